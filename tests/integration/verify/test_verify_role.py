"""The verify role against the stand-in: a working host is proven, and each broken setup gets its own diagnosis."""

import os

import pytest

from verify_world import CLUSTER, DAY, NOW, World, issue, key_pem, name, new_key, write

ROLE = "hybridcloud.rolesanywhere.verify : "
VERIFY_TASK = ROLE + "Prove the AWS profile works as the service user"
RECORD_TASK = ROLE + "Record the verification result"
REPORT_TASK = ROLE + "Report the verification"
FAIL_TASK = ROLE + "Fail the host whose profile does not work"


@pytest.fixture
def world(localaws, tmp_path):
    world = World(localaws, tmp_path)
    yield world
    localaws.shift_clock(0)


def verified(world, **extra_vars):
    """Run the role, expect the host to fail, and return its diagnosis."""
    result = world.verify(**extra_vars)
    assert result.rc != 0, result.explain()
    assert result.stats["host1"]["failures"] == 1
    assert result.task(VERIFY_TASK, "host1")["ok"] is False
    recorded = result.task(RECORD_TASK, "host1")["ansible_facts"]["rolesanywhere_verify_result"]
    assert recorded["ok"] is False
    assert recorded["diagnosis"]["fix"] in result.task(FAIL_TASK, "host1")["msg"]
    return recorded["diagnosis"]


def test_working_host_is_proven_and_reported(world):
    result = world.verify()
    assert result.rc == 0, result.explain()
    outcome = result.task(VERIFY_TASK, "host1")
    assert outcome["ok"] is True
    assert outcome["changed"] is False
    assert outcome["assumed_role_arn"].startswith("arn:aws:sts::{0}:assumed-role/{1}/".format(
        world.localaws.account_id, world.role_arn.split("/")[-1]))
    assert outcome["account"] == world.localaws.account_id
    assert CLUSTER in outcome["clusters"]
    assert outcome["certificate"]["serial"] == str(world.leaf.serial_number)
    assert outcome["certificate"]["days_left"] in (29, 30)
    summary = result.task(REPORT_TASK, "host1")["msg"]
    assert outcome["assumed_role_arn"] in summary and CLUSTER in summary and outcome["certificate"]["not_after"] in summary
    assert result.stats["host1"]["changed"] == 0


def test_result_is_published_as_a_fact_and_holds_no_credentials(world):
    result = world.verify()
    assert result.rc == 0, result.explain()
    fact = result.task(RECORD_TASK, "host1")["ansible_facts"]["rolesanywhere_verify_result"]
    assert fact["ok"] is True and CLUSTER in fact["clusters"]
    for secret_word in ("SecretAccessKey", "SessionToken", "secret_access_key", "session_token"):
        assert secret_word not in result.stdout


def test_check_mode_runs_the_real_check(world):
    result = world.verify(check=True)
    assert result.rc == 0, result.explain()
    assert result.task(VERIFY_TASK, "host1")["ok"] is True


def test_failure_can_be_reported_without_failing_the_host(world):
    world.localaws.client("rolesanywhere").disable_profile(profileId=world.profile["profileId"])
    result = world.verify(rolesanywhere_verify_fail=False)
    assert result.rc == 0, result.explain()
    assert result.task(RECORD_TASK, "host1")["ansible_facts"]["rolesanywhere_verify_result"]["diagnosis"]["code"] == "profile_disabled"
    assert "profile_disabled" in result.task(REPORT_TASK, "host1")["msg"]


def test_expired_certificate(world):
    world.leaf = world.issue_leaf(not_before=NOW - 10 * DAY, not_after=NOW - DAY)
    world.install_host_files()
    diagnosis = verified(world)
    assert diagnosis["code"] == "certificate_expired"
    assert world.cert_path in diagnosis["message"]
    assert "enroll" in diagnosis["fix"]


def test_key_that_does_not_match_the_certificate(world):
    write(world.key_path, key_pem(new_key()), 0o600)
    diagnosis = verified(world)
    assert diagnosis["code"] == "key_mismatch"
    assert world.key_path in diagnosis["message"]


def test_missing_intermediates(localaws, tmp_path):
    world = World(localaws, tmp_path, two_tier=True)
    world.install_host_files(intermediates=False)
    diagnosis = verified(world)
    assert diagnosis["code"] == "intermediates_missing"
    assert world.chain_path in diagnosis["fix"]


def test_intermediates_passed_make_the_two_tier_chain_work(localaws, tmp_path):
    world = World(localaws, tmp_path, two_tier=True)
    result = world.verify()
    assert result.rc == 0, result.explain()


def test_disabled_trust_anchor(world):
    world.localaws.client("rolesanywhere").disable_trust_anchor(trustAnchorId=world.trust_anchor["trustAnchorId"])
    diagnosis = verified(world)
    assert diagnosis["code"] == "trust_anchor_disabled"
    assert world.trust_anchor["trustAnchorArn"] in diagnosis["message"]


def test_certificate_from_a_ca_the_trust_anchor_does_not_hold(world):
    other_ca_key = new_key()
    world.issuer_key = other_ca_key
    world.issuer = issue(other_ca_key, name("Other CA"), other_ca_key, name("Other CA"), ca=True)
    world.leaf = world.issue_leaf()
    world.install_host_files()
    diagnosis = verified(world)
    assert diagnosis["code"] == "certificate_from_other_ca"
    assert "Root CA " + world.suffix in diagnosis["message"] and "Other CA" in diagnosis["message"]


def test_disabled_profile(world):
    world.localaws.client("rolesanywhere").disable_profile(profileId=world.profile["profileId"])
    diagnosis = verified(world)
    assert diagnosis["code"] == "profile_disabled"
    assert world.profile["profileArn"] in diagnosis["message"]


def test_role_not_in_the_profile(world):
    other_role = world.create_role("other-" + world.suffix, subject_cn=world.common_name, allow_describe=True)
    world.localaws.client("rolesanywhere").update_profile(profileId=world.profile["profileId"], roleArns=[other_role])
    diagnosis = verified(world)
    assert diagnosis["code"] == "role_not_in_profile"
    assert world.role_arn in diagnosis["message"]


def test_trust_policy_condition_that_does_not_match_the_subject(world):
    world.localaws.client("iam").update_assume_role_policy(
        RoleName=world.role_arn.split("/")[-1], PolicyDocument=_trust_policy_for(world, "some-other-host"))
    diagnosis = verified(world)
    assert diagnosis["code"] == "trust_policy_mismatch"
    assert "CN=db01" in diagnosis["message"]


def _trust_policy_for(world, common_name):
    import json

    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_policy import render_trust_policy
    return json.dumps(render_trust_policy([world.trust_anchor["trustAnchorArn"]], subject={"CN": common_name}))


def test_role_without_the_redshift_permission(world):
    world.localaws.client("iam").delete_role_policy(RoleName=world.role_arn.split("/")[-1], PolicyName="redshift")
    diagnosis = verified(world)
    assert diagnosis["code"] in ("permission_denied", "permission_missing_on_role")
    assert "redshift:DescribeClusters" in diagnosis["message"]


def test_clock_skew_between_host_and_service(world):
    world.localaws.shift_clock(3600)
    diagnosis = verified(world)
    assert diagnosis["code"] == "clock_skew"


def test_helper_missing(world):
    os.remove(world.helper_path)
    diagnosis = verified(world)
    assert diagnosis["code"] == "helper_missing"
    assert world.helper_path in diagnosis["message"]


def test_helper_not_executable(world):
    os.chmod(world.helper_path, 0o644)
    diagnosis = verified(world)
    assert diagnosis["code"] == "helper_not_executable"


def test_profile_absent_from_the_config(world):
    world.write_config(world.credential_process(), profile="someone-else")
    diagnosis = verified(world)
    assert diagnosis["code"] == "profile_missing"
    assert "someone-else" in diagnosis["message"]


def test_profile_without_credential_process(world):
    with open(world.config_path, "w", encoding="utf-8") as handle:
        handle.write("[profile reader]\nregion = us-east-1\n")
    assert verified(world)["code"] == "credential_process_missing"


def test_credential_process_split_over_lines(world):
    world.write_config(world.credential_process().replace(" --private-key", "\n    --private-key"))
    diagnosis = verified(world)
    assert diagnosis["code"] == "credential_process_multiline"
