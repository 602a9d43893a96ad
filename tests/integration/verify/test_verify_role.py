"""The verify role against the stand-in: a working host is proven, and each broken setup gets its own diagnosis.

Every host of the fleet below has its own complete setup (CA, trust anchor, role, profile, files), broken in one way;
one run of the role over the whole fleet then diagnoses them all, as an operator's run over an inventory would.
"""

import json
import os

import pytest
from verify_world import CLUSTER, World, openssl_serial, run_verify, subject_name

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_policy import render_trust_policy
from support.field_tools import build_official_helper
from support.x509 import DAY, NOW, certificate, crl, key_pem_bytes, new_key, pem_bytes, write_file

ROLE = "hybridcloud.rolesanywhere.verify : "
VERIFY_TASK = ROLE + "Prove the AWS profile works as the service user"
RECORD_TASK = ROLE + "Record the verification result"
# One task prints each host's line and fails the host whose profile does not work.
REPORT_TASK = ROLE + "Report the verification and fail the host whose profile does not work"
FAIL_TASK = REPORT_TASK


# ---- ways to break a working setup, one per host ------------------------------------------------------------------


def expire_certificate(world):
    world.leaf = world.issue_leaf(not_before=NOW - 10 * DAY, not_after=NOW - DAY)
    world.install_host_files()


def replace_key(world):
    write_file(world.key_path, key_pem_bytes(new_key()), 0o600)


def leave_out_intermediates(world):
    world.install_host_files(intermediates=False)


def disable_trust_anchor(world):
    world.localaws.client("rolesanywhere").disable_trust_anchor(trustAnchorId=world.trust_anchor["trustAnchorId"])


def issue_from_another_ca(world):
    world.issuer_key = new_key()
    world.issuer = certificate(subject_key=world.issuer_key, subject=subject_name("Other CA"), ca=True)
    world.leaf = world.issue_leaf()
    world.install_host_files()


def issue_from_another_ca_with_the_control_plane_out_of_reach(world):
    issue_from_another_ca(world)
    # Only the controller's trust anchor lookup uses this endpoint; the host's profile keeps the stand-in's.
    world.extra_host_vars = {"rolesanywhere_endpoint_url": "http://127.0.0.1:9"}


def disable_profile(world):
    world.localaws.client("rolesanywhere").disable_profile(profileId=world.profile["profileId"])


def report_only(world):
    disable_profile(world)
    world.extra_host_vars = {"rolesanywhere_verify_fail": False}


def take_role_out_of_profile(world):
    other_role = world.create_role("other-" + world.suffix, subject_cn=world.common_name, allow_describe=True)
    world.localaws.client("rolesanywhere").update_profile(profileId=world.profile["profileId"], roleArns=[other_role])


def trust_another_subject(world):
    policy = render_trust_policy([world.trust_anchor["trustAnchorArn"]], subject={"CN": "some-other-host"})
    world.localaws.client("iam").update_assume_role_policy(
        RoleName=world.role_arn.split("/")[-1], PolicyDocument=json.dumps(policy)
    )


def remove_permission(world):
    world.localaws.client("iam").delete_role_policy(RoleName=world.role_arn.split("/")[-1], PolicyName="redshift")


def revoke_certificate(world):
    revocations = crl(world.issuer, world.issuer_key, [world.leaf.serial_number])
    world.localaws.client("rolesanywhere").import_crl(
        name="revoked-" + world.suffix,
        trustAnchorArn=world.trust_anchor["trustAnchorArn"],
        enabled=True,
        crlData=pem_bytes(revocations),
    )


def ask_for_a_session_name(world):
    world.write_config(world.credential_process() + " --role-session-name etl-job")


def remove_helper(world):
    os.remove(world.helper_path)


def make_helper_not_executable(world):
    os.chmod(world.helper_path, 0o644)


def rename_profile(world):
    world.write_config(world.credential_process(), profile="someone-else")


def drop_credential_process(world):
    write_file(world.config_path, "[profile reader]\nregion = us-east-1\n", 0o600)


def split_credential_process(world):
    world.write_config(world.credential_process().replace(" --private-key", "\n    --private-key"))


FLEET = {
    "working": (False, None),
    "working-two-tier": (True, None),
    "report-only": (False, report_only),
    "expired": (False, expire_certificate),
    "key-mismatch": (False, replace_key),
    "no-intermediates": (True, leave_out_intermediates),
    "anchor-disabled": (False, disable_trust_anchor),
    "other-ca": (False, issue_from_another_ca),
    "other-ca-no-control-plane": (False, issue_from_another_ca_with_the_control_plane_out_of_reach),
    "profile-disabled": (False, disable_profile),
    "role-not-in-profile": (False, take_role_out_of_profile),
    "subject-mismatch": (False, trust_another_subject),
    "no-permission": (False, remove_permission),
    "revoked": (False, revoke_certificate),
    "session-name": (False, ask_for_a_session_name),
    "helper-missing": (False, remove_helper),
    "helper-not-executable": (False, make_helper_not_executable),
    "profile-absent": (False, rename_profile),
    "no-credential-process": (False, drop_credential_process),
    "multiline": (False, split_credential_process),
}


# The same checks with the official aws_signing_helper on the host (built from its Go module): the diagnosis must not
# depend on which helper signed the request. (two-tier, break it, expected diagnosis code)
OFFICIAL_FLEET = {
    "official-working": (True, None, None),
    "official-no-intermediates": (True, leave_out_intermediates, "intermediates_missing"),
    "official-other-ca": (False, issue_from_another_ca, "certificate_from_other_ca"),
    "official-profile-disabled": (False, disable_profile, "profile_disabled"),
    "official-revoked": (False, revoke_certificate, "certificate_revoked"),
    "official-session-name": (False, ask_for_a_session_name, "role_session_name_not_accepted"),
    "official-no-permission": (False, remove_permission, "permission_"),
}


class Fleet:
    def __init__(self, worlds, result, client):
        self.worlds = worlds
        self.result = result
        self.client = client

    def outcome(self, host):
        return self.result.task(VERIFY_TASK, host)

    def recorded(self, host):
        return self.result.task(RECORD_TASK, host)["ansible_facts"]["rolesanywhere_verify_result"]

    def diagnosis(self, host):
        """The diagnosis of a host the role failed, checked to be the one the failure message gives."""
        assert self.result.stats[host]["failures"] == 1, self.result.explain()
        recorded = self.recorded(host)
        assert recorded["ok"] is False
        assert recorded["diagnosis"]["fix"] in self.result.task(FAIL_TASK, host)["msg"]
        return recorded["diagnosis"]


# The whole catalogue runs twice: with the default client (botocore in the module's process, since the test Python has
# it) and with the AWS CLI forced; each broken host must get the same diagnosis from either.
@pytest.fixture(scope="module", params=["auto", "cli"])
def fleet(localaws, tmp_path_factory, request):
    worlds = {}
    official = build_official_helper()
    hosts = [(host, two_tier, break_it, None) for host, (two_tier, break_it) in FLEET.items()]
    if official is not None:
        hosts += [(host, two_tier, break_it, official) for host, (two_tier, break_it, _code) in OFFICIAL_FLEET.items()]
    for host, two_tier, break_it, official_helper in hosts:
        world = World(localaws, tmp_path_factory.mktemp(host), two_tier=two_tier, official_helper=official_helper)
        if break_it:
            break_it(world)
        worlds[host] = world
    client = request.param
    return Fleet(
        worlds,
        run_verify(localaws, tmp_path_factory.mktemp("fleet"), worlds, rolesanywhere_verify_client=client),
        client,
    )


# ---- working hosts ---------------------------------------------------------------------------------------------


def test_working_host_is_proven_and_reported(fleet):
    world, outcome = fleet.worlds["working"], fleet.outcome("working")
    assert outcome["ok"] is True
    assert outcome["changed"] is False
    assert outcome["assumed_role_arn"].startswith(
        "arn:aws:sts::{0}:assumed-role/{1}/".format(world.localaws.account_id, world.role_arn.split("/")[-1])
    )
    assert outcome["account"] == world.localaws.account_id
    assert CLUSTER in outcome["clusters"]
    assert outcome["certificate"]["serial"] == openssl_serial(world.leaf)
    assert outcome["certificate"]["days_left"] in (29, 30)
    summary = fleet.result.task(REPORT_TASK, "working")["msg"]
    assert (
        outcome["assumed_role_arn"] in summary and CLUSTER in summary and outcome["certificate"]["not_after"] in summary
    )
    assert fleet.result.stats["working"]["changed"] == 0
    assert fleet.result.stats["working"]["failures"] == 0


def test_the_sdk_makes_the_calls_where_botocore_is_importable_unless_the_cli_is_asked_for(fleet):
    expected = "sdk" if fleet.client == "auto" else "cli"
    assert fleet.outcome("working")["client"] == expected
    assert fleet.recorded("working")["client"] == expected
    # Whichever client: one remote module call per host for the proof.
    assert (
        len(
            [
                entry
                for entry in fleet.result.results
                if entry["action"] == "hybridcloud.rolesanywhere.verify_access" and entry["host"] == "working"
            ]
        )
        == 1
    )


def test_result_is_published_as_a_fact_and_no_credentials_appear(fleet):
    fact = fleet.recorded("working")
    assert fact["ok"] is True and CLUSTER in fact["clusters"]
    # Every session token the stand-in mints starts like this (moto's STS); no credential field name shows up either.
    for secret in ("FQoGZXIvYXdzEBYaD", "SecretAccessKey", "SessionToken", "AccessKeyId"):
        assert secret not in fleet.result.stdout
    assert fleet.worlds["working"].localaws.secret_access_key not in fleet.result.stdout


def test_intermediates_passed_make_a_two_tier_chain_work(fleet):
    assert fleet.outcome("working-two-tier")["ok"] is True


def test_failure_can_be_reported_without_failing_the_host(fleet):
    assert fleet.result.stats["report-only"]["failures"] == 0
    assert fleet.recorded("report-only")["diagnosis"]["code"] == "profile_disabled"
    assert "profile_disabled" in fleet.result.task(REPORT_TASK, "report-only")["msg"]


def test_check_mode_runs_the_real_check(localaws, tmp_path):
    result = World(localaws, tmp_path).verify(check=True)
    assert result.rc == 0, result.explain()
    assert result.task(VERIFY_TASK, "host1")["ok"] is True


@pytest.mark.parametrize("host", sorted(OFFICIAL_FLEET))
def test_the_official_helper_is_diagnosed_alike(fleet, official_helper, host):
    expected = OFFICIAL_FLEET[host][2]
    outcome = fleet.outcome(host)
    assert outcome["helper"] == fleet.worlds[host].helper_path
    if expected is None:
        assert outcome["ok"] is True and CLUSTER in outcome["clusters"]
    else:
        assert fleet.diagnosis(host)["code"].startswith(expected)


# ---- one diagnosis per broken host -----------------------------------------------------------------------------


def test_expired_certificate(fleet):
    diagnosis = fleet.diagnosis("expired")
    assert diagnosis["code"] == "certificate_expired"
    assert fleet.worlds["expired"].cert_path in diagnosis["message"]
    assert "enroll" in diagnosis["fix"]


def test_key_that_does_not_match_the_certificate(fleet):
    diagnosis = fleet.diagnosis("key-mismatch")
    assert diagnosis["code"] == "key_mismatch"
    assert fleet.worlds["key-mismatch"].key_path in diagnosis["message"]


def test_missing_intermediates(fleet):
    diagnosis = fleet.diagnosis("no-intermediates")
    assert diagnosis["code"] == "intermediates_missing"
    assert fleet.worlds["no-intermediates"].chain_path in diagnosis["fix"]


def test_disabled_trust_anchor(fleet):
    diagnosis = fleet.diagnosis("anchor-disabled")
    assert diagnosis["code"] == "trust_anchor_disabled"
    assert fleet.worlds["anchor-disabled"].trust_anchor["trustAnchorArn"] in diagnosis["message"]


def test_certificate_from_a_ca_the_trust_anchor_does_not_hold(fleet):
    diagnosis = fleet.diagnosis("other-ca")
    assert diagnosis["code"] == "certificate_from_other_ca"
    assert "Root CA " + fleet.worlds["other-ca"].suffix in diagnosis["message"] and "Other CA" in diagnosis["message"]


def test_without_the_control_plane_the_service_words_stand_and_the_report_says_why(fleet):
    diagnosis = fleet.diagnosis("other-ca-no-control-plane")
    assert diagnosis["code"] == "certificate_untrusted"
    report = fleet.result.task(REPORT_TASK, "other-ca-no-control-plane")["msg"]
    assert (
        "could not be asked about trust anchor "
        + fleet.worlds["other-ca-no-control-plane"].trust_anchor["trustAnchorArn"]
        in report
    )


def test_disabled_profile(fleet):
    diagnosis = fleet.diagnosis("profile-disabled")
    assert diagnosis["code"] == "profile_disabled"
    assert fleet.worlds["profile-disabled"].profile["profileArn"] in diagnosis["message"]


def test_role_not_in_the_profile(fleet):
    diagnosis = fleet.diagnosis("role-not-in-profile")
    assert diagnosis["code"] == "role_not_in_profile"
    assert fleet.worlds["role-not-in-profile"].role_arn in diagnosis["message"]


def test_trust_policy_condition_that_does_not_match_the_subject(fleet):
    diagnosis = fleet.diagnosis("subject-mismatch")
    assert diagnosis["code"] == "trust_policy_mismatch"
    assert "CN=db01" in diagnosis["message"]


def test_role_without_the_redshift_permission(fleet):
    diagnosis = fleet.diagnosis("no-permission")
    assert diagnosis["code"] in ("permission_denied", "permission_missing_on_role")
    assert "redshift:DescribeClusters" in diagnosis["message"]
    assert fleet.recorded("no-permission")["assumed_role_arn"]


def test_revoked_certificate(fleet):
    diagnosis = fleet.diagnosis("revoked")
    assert diagnosis["code"] == "certificate_revoked"
    assert "serial %s)" % openssl_serial(fleet.worlds["revoked"].leaf) in diagnosis["message"]


def test_role_session_name_the_profile_does_not_accept(fleet):
    diagnosis = fleet.diagnosis("session-name")
    assert diagnosis["code"] == "role_session_name_not_accepted"
    assert fleet.worlds["session-name"].profile["profileArn"] in diagnosis["message"]


def test_helper_missing(fleet):
    diagnosis = fleet.diagnosis("helper-missing")
    assert diagnosis["code"] == "helper_missing"
    assert fleet.worlds["helper-missing"].helper_path in diagnosis["message"]


def test_helper_not_executable(fleet):
    assert fleet.diagnosis("helper-not-executable")["code"] == "helper_not_executable"


def test_profile_absent_from_the_config(fleet):
    diagnosis = fleet.diagnosis("profile-absent")
    assert diagnosis["code"] == "profile_missing"
    assert "someone-else" in diagnosis["message"]


def test_profile_without_credential_process(fleet):
    assert fleet.diagnosis("no-credential-process")["code"] == "credential_process_missing"


def test_credential_process_split_over_lines(fleet):
    assert fleet.diagnosis("multiline")["code"] == "credential_process_multiline"


def test_clock_skew_between_host_and_service(localaws, tmp_path):
    # The stand-in's clock is shared by every test of this worker: shift it only around this one run.
    world = World(localaws, tmp_path)
    localaws.shift_clock(3600)
    try:
        result = world.verify()
    finally:
        localaws.shift_clock(0)
    assert result.rc != 0, result.explain()
    recorded = result.task(RECORD_TASK, "host1")["ansible_facts"]["rolesanywhere_verify_result"]
    assert recorded["diagnosis"]["code"] == "clock_skew"
    # The host asked the endpoint for its Date header and measured the difference.
    assert isinstance(recorded["clock_skew_seconds"], int)


@pytest.mark.parametrize("client,starts", [("sdk", 1), ("cli", 2)])
def test_the_sdk_starts_the_credential_process_once_the_cli_once_per_call(localaws, tmp_path, client, starts):
    world = World(localaws, tmp_path)
    # A wrapper in front of the helper that notes each start, then runs the real one.
    starts_file = tmp_path / "starts"
    wrapper = write_file(
        str(tmp_path / "counting-helper"),
        '#!/bin/sh\necho started >> {0}\nexec {1} "$@"\n'.format(starts_file, world.helper_path),
        0o755,
    )
    world.write_config(world.credential_process().replace(world.helper_path, wrapper, 1))
    result = world.verify(rolesanywhere_verify_client=client)
    assert result.rc == 0, result.explain()
    outcome = result.task(VERIFY_TASK, "host1")
    assert outcome["ok"] is True and outcome["client"] == client
    assert starts_file.read_text().count("started") == starts
