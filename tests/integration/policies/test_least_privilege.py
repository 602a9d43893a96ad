"""The controller policy in docs/policies/controller.json is enough, and every statement of it is needed.

The controller runs the playbooks as an IAM user that holds exactly that policy (with its placeholders filled in for
the stand-in's account and region), against the stand-in with IAM enforcement on: moto checks the IAM calls, the
stand-in checks the Roles Anywhere ones. The hosts get their credentials from Roles Anywhere sessions, never from the
controller's keys.

The life cycle exercises what an operator does: onboard with tags and a profile managed policy (so the session policy
check reads IAM policies), rotate with a longer session duration and other tags (so the role, the profile and the
tags are updated), revoke one host (the CRL is imported), verify (the revoked host is refused, the other passes)
and offboard the other (the CRL is updated). Then each statement is removed in turn: the run must stop with a
message naming the permission, not a traceback. With ACM Private CA, docs/policies/controller-acm-pca.json adds what
signing needs, for that one CA only.
"""

import json
import os
import re
import sys

import pytest

from support import local_fleet
from support.ansible_run import REPO, run_playbook

POLICY_FILE = os.path.join(REPO, "docs", "policies", "controller.json")
ACM_PCA_POLICY_FILE = os.path.join(REPO, "docs", "policies", "controller-acm-pca.json")
ROLE_NAME_PATTERN = "lp-*"
HOSTS = ["lp-host-1", "lp-host-2"]
ONBOARD_SETTINGS = {"rolesanywhere_session_duration": 3600, "rolesanywhere_tags": {"team": "platform"}}
ROTATE_SETTINGS = {"rolesanywhere_session_duration": 7200, "rolesanywhere_tags": {"team": "platform", "tier": "gold"}}


def controller_policy(localaws, role_name_pattern=ROLE_NAME_PATTERN, without=None):
    """The policy file with its placeholders filled in, optionally without the statement whose Sid is ``without``."""
    with open(POLICY_FILE, encoding="utf-8") as handle:
        text = handle.read()
    for placeholder, value in (
        ("ACCOUNT_ID", localaws.account_id),
        ("REGION", localaws.region),
        ("ROLE_NAME", role_name_pattern),
    ):
        text = text.replace(placeholder, value)
    policy = json.loads(text)
    if without is not None:
        policy["Statement"] = [statement for statement in policy["Statement"] if statement["Sid"] != without]
    return policy


def statement_ids():
    with open(POLICY_FILE, encoding="utf-8") as handle:
        return [statement["Sid"] for statement in json.load(handle)["Statement"]]


@pytest.fixture(scope="module")
def session_policy_arn(localaws):
    """A customer managed policy for the profile: the session policy check must read it through IAM."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["redshift:DescribeClusters", "sts:GetCallerIdentity"], "Resource": "*"}
        ],
    }
    return localaws.client("iam").create_policy(
        PolicyName="lp-session-redshift-read", PolicyDocument=json.dumps(document)
    )["Policy"]["Arn"]


class Controller:
    """A controller that runs the playbooks with one IAM user's keys, on local hosts under ``root``."""

    def __init__(self, localaws, root, user, names, hosts, session_policy_arn):
        self.root = root
        self.inventory = local_fleet.inventory(root, hosts)
        self.variables = local_fleet.variables(
            localaws, root, rolesanywhere_profile_managed_policy_arns=[session_policy_arn], **names
        )
        self.env = local_fleet.environment(localaws, root)
        # The user's keys replace the administrator's: nothing else reaches the controller's AWS calls.
        self.env.update(AWS_ACCESS_KEY_ID=user["access_key_id"], AWS_SECRET_ACCESS_KEY=user["secret_access_key"])

    def run(self, playbook, settings, **kwargs):
        return run_playbook(
            "hybridcloud.rolesanywhere." + playbook,
            tmp_path=self.root,
            inventory=self.inventory,
            extra_vars=dict(self.variables, **settings),
            env=self.env,
            **kwargs,
        )


def resource_names(prefix):
    return {
        "rolesanywhere_trust_anchor_name": prefix + "-anchor",
        "rolesanywhere_profile_name": prefix + "-profile",
        "rolesanywhere_role_name": prefix + "-role",
        "rolesanywhere_crl_name": prefix + "-crl",
    }


def assert_no_traceback(result):
    for output in (result.stdout, result.stderr):
        assert "Traceback (most recent call last)" not in output, result.explain()
        assert "MODULE FAILURE" not in output, result.explain()


def failure_messages(result):
    return [str(item["result"].get("msg", "")) for item in result.results if item["result"].get("failed")]


@pytest.fixture(scope="module")
def least_privileged(localaws, tmp_path_factory, session_policy_arn):
    user = localaws.create_user("lp-controller", controller_policy(localaws))
    return Controller(
        localaws, tmp_path_factory.mktemp("least-privilege"), user, resource_names("lp"), HOSTS, session_policy_arn
    )


def test_the_policy_files_are_documented_and_every_statement_has_a_sid():
    sids = []
    for path in (POLICY_FILE, ACM_PCA_POLICY_FILE):
        with open(path, encoding="utf-8") as handle:
            sids += [statement.get("Sid") for statement in json.load(handle)["Statement"]]
    assert all(sids) and len(set(sids)) == len(sids), sids
    with open(os.path.join(REPO, "docs", "real-aws.md"), encoding="utf-8") as handle:
        documentation = handle.read()
    for sid in sids:
        assert "`%s`" % sid in documentation, "docs/real-aws.md does not explain statement %s" % sid


def test_the_whole_life_cycle_runs_with_exactly_the_policy(least_privileged, localaws):
    onboarded = least_privileged.run("onboard", ONBOARD_SETTINGS)
    assert onboarded.rc == 0, onboarded.explain()
    for host in HOSTS:
        assert onboarded.action("verify_access", host)["ok"] is True

    rotated = least_privileged.run("rotate", ROTATE_SETTINGS)
    assert rotated.rc == 0, rotated.explain()
    iam = localaws.client("iam")
    role = iam.get_role(RoleName="lp-role")["Role"]
    assert role["MaxSessionDuration"] == 7200
    assert {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName="lp-role")["Tags"]}["tier"] == "gold"
    (profile,) = [
        item for item in localaws.client("rolesanywhere").list_profiles()["profiles"] if item["name"] == "lp-profile"
    ]
    assert profile["durationSeconds"] == 7200

    revoked, kept = HOSTS
    revoke = least_privileged.run("revoke", dict(ROTATE_SETTINGS, rolesanywhere_revoke=[revoked]))
    assert revoke.rc == 0, revoke.explain()

    verified = least_privileged.run("verify", ROTATE_SETTINGS)
    assert verified.action("verify_access", kept)["ok"] is True, verified.explain()
    assert verified.action("verify_access", revoked)["diagnosis"]["code"] == "certificate_revoked", verified.explain()

    offboarded = least_privileged.run("offboard", ROTATE_SETTINGS, limit=kept)
    assert offboarded.rc == 0, offboarded.explain()
    crls = [crl for crl in localaws.client("rolesanywhere").list_crls()["crls"] if crl["name"] == "lp-crl"]
    assert len(crls) == 1 and crls[0]["enabled"] is True


# Where each statement is first needed: onboard, then rotate with other settings; the first failure ends the case.
FIRST_NEEDED_IN = {"RolesAnywhereUpdate": "rotate"}


@pytest.mark.parametrize("sid", statement_ids())
def test_without_a_statement_the_run_stops_with_a_clear_message(localaws, tmp_path, session_policy_arn, sid):
    """Only the controller's play runs (--limit localhost): every AWS call of onboard and rotate is made there."""
    prefix = "lp-no-" + re.sub(r"[^a-z0-9]", "", sid.lower())
    user = localaws.create_user(prefix + "-user", controller_policy(localaws, without=sid))
    controller = Controller(localaws, tmp_path, user, resource_names(prefix), HOSTS[:1], session_policy_arn)
    # In the inventory, so that --limit can name it.
    controller.inventory["all"]["hosts"] = {
        "localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    }
    for playbook, settings in (("onboard", ONBOARD_SETTINGS), ("rotate", ROTATE_SETTINGS)):
        result = controller.run(playbook, dict(settings, rolesanywhere_allow_empty_run=True), limit="localhost")
        if result.rc != 0:
            break
    assert result.rc != 0, "the run succeeded without statement %s: it is not needed" % sid
    assert playbook == FIRST_NEEDED_IN.get(sid, "onboard"), result.explain()
    assert_no_traceback(result)
    messages = failure_messages(result)
    print("%s: %s fails with %s" % (sid, playbook, messages))
    assert messages, result.explain()
    # The message names a permission of the removed statement, as AWS refused it...
    (removed,) = [statement for statement in controller_policy(localaws)["Statement"] if statement["Sid"] == sid]
    actions = removed["Action"] if isinstance(removed["Action"], list) else [removed["Action"]]
    named = set(re.findall(r"not authorized to perform:? ([A-Za-z0-9-]+:[A-Za-z0-9]+)", " ".join(messages)))
    assert named & set(actions), messages
    # ...and where the collection's own modules made the call (Roles Anywhere, which also checks iam:PassRole), they
    # say which permission to grant and where the policy is. IAM calls are amazon.aws modules'; see above.
    if sid.startswith("RolesAnywhere") or sid == "IamPassRoleToRolesAnywhere":
        assert any("grant it as docs/policies/controller.json" in message for message in messages), messages


ROOT_TEMPLATE = "arn:aws:acm-pca:::template/RootCACertificate/V1"


def private_ca(localaws):
    """An active root CA in the stand-in's ACM PCA: created, self-issued from its CSR, imported."""
    pca = localaws.client("acm-pca")
    arn = pca.create_certificate_authority(
        CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048",
            "SigningAlgorithm": "SHA256WITHRSA",
            "Subject": {"CommonName": "Least Privilege PCA"},
        },
        CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]
    csr = pca.get_certificate_authority_csr(CertificateAuthorityArn=arn)["Csr"]
    issued = pca.issue_certificate(
        CertificateAuthorityArn=arn,
        Csr=csr,
        SigningAlgorithm="SHA256WITHRSA",
        TemplateArn=ROOT_TEMPLATE,
        Validity={"Value": 1, "Type": "YEARS"},
    )["CertificateArn"]
    root = pca.get_certificate(CertificateAuthorityArn=arn, CertificateArn=issued)["Certificate"]
    pca.import_certificate_authority_certificate(CertificateAuthorityArn=arn, Certificate=root.encode("ascii"))
    return arn


def with_acm_pca_statement(policy, ca_arn):
    with open(ACM_PCA_POLICY_FILE, encoding="utf-8") as handle:
        statements = json.loads(handle.read().replace("ACM_PCA_ARN", ca_arn))["Statement"]
    return dict(policy, Statement=policy["Statement"] + statements)


def test_with_acm_private_ca_the_extra_statement_is_enough_and_needed(localaws, tmp_path, session_policy_arn):
    ca_arn = private_ca(localaws)
    pca_settings = dict(ONBOARD_SETTINGS, rolesanywhere_acm_pca_arn=ca_arn)
    # A second CA the statement does not name: the policy is scoped to the one CA, not to any.
    other_ca_arn = private_ca(localaws)

    for label, policy, expect_ok in (
        ("pca", with_acm_pca_statement(controller_policy(localaws), ca_arn), True),
        ("other-pca", with_acm_pca_statement(controller_policy(localaws), other_ca_arn), False),
    ):
        user = localaws.create_user("lp-%s-user" % label, policy)
        (tmp_path / label).mkdir()
        controller = Controller(
            localaws, tmp_path / label, user, resource_names("lp-" + label), HOSTS[:1], session_policy_arn
        )
        result = controller.run("onboard", pca_settings)
        if expect_ok:
            assert result.rc == 0, result.explain()
            assert result.action("sign_certificates", HOSTS[0])["issuer"] == "acm-pca"
            assert result.action("verify_access", HOSTS[0])["ok"] is True
        else:
            assert result.rc != 0
            assert_no_traceback(result)
            assert any("acm-pca:" in message and ca_arn in message for message in failure_messages(result)), (
                failure_messages(result)
            )
