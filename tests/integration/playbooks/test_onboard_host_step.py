"""onboard's single host step writes the AWS profiles before the first certificate is installed: a certificate that
comes with intermediates (a local CA with an intermediate) must still get a profile that names them, on the first run,
and an unchanged re-run must not write them again."""

import configparser
import os

from support import local_fleet
from support.ansible_run import run_module, run_playbook

HOSTS = ("chain-1", "chain-2")
SETUP_TASK = (
    "hybridcloud.rolesanywhere.credential_helper : Set up the credential helper and the AWS profiles on the host"
)


def onboard(localaws, root):
    variables = local_fleet.variables(
        localaws,
        root,
        rolesanywhere_ca_intermediate=True,
        rolesanywhere_trust_anchor_name="chain-anchor",
        rolesanywhere_profile_name="chain-profile",
        rolesanywhere_role_name="chain-role",
    )
    return run_playbook(
        "hybridcloud.rolesanywhere.onboard",
        tmp_path=root,
        inventory=local_fleet.inventory(root, HOSTS),
        extra_vars=variables,
        env=local_fleet.environment(localaws, root),
    )


def setup_runs(result, host):
    return [r["result"] for r in result.for_host(host) if r["task"] == SETUP_TASK and not r["result"].get("skipped")]


def credential_process(root, host):
    parser = configparser.ConfigParser()
    parser.read(os.path.join(local_fleet.host_root(root, host), "aws", "config"))
    return parser["profile rolesanywhere"]["credential_process"]


def test_a_certificate_with_intermediates_gets_a_profile_that_names_them(localaws, tmp_path):
    first = onboard(localaws, tmp_path)
    # rc 0: every host's profile worked in the verify step, which needs the intermediate to reach the root.
    assert first.rc == 0, first.explain()
    for host in HOSTS:
        chain = os.path.join(local_fleet.host_root(tmp_path, host), "certs", "chain.pem")
        assert os.path.getsize(chain) > 0
        assert "--intermediates %s" % chain in credential_process(tmp_path, host)
        # The host step saw no bundle yet; the profiles were written once more after the install.
        runs = setup_runs(first, host)
        assert len(runs) == 2, runs
        assert runs[0]["enrollment"]["needs_certificate"] is True
        assert [profile["intermediates_used"] for profile in runs[0]["profiles"]] == [False]
        assert [profile["intermediates_used"] for profile in runs[1]["profiles"]] == [True]

    again = onboard(localaws, tmp_path)
    assert again.rc == 0, again.explain()
    assert again.changed == 0, again.explain()
    for host in HOSTS:
        runs = setup_runs(again, host)
        assert len(runs) == 1 and runs[0]["enrollment"]["needs_certificate"] is False, runs


def test_an_enrollment_option_certificate_request_refuses_fails_before_anything_changes(tmp_path):
    cert_dir = tmp_path / "certs"
    config = tmp_path / "aws" / "config"
    result = run_module(
        "hybridcloud.rolesanywhere.credential_setup",
        {
            "signing_helper": "official",
            "helper_path": str(tmp_path / "bin" / "aws_signing_helper"),
            "official_checksums": {"*": "sha256:" + "0" * 64},
            "profiles": [
                {
                    "aws_profile": "rolesanywhere",
                    "aws_config_file": str(config),
                    "trust_anchor_arn": "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/" + "a" * 36,
                    "profile_arn": "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/" + "b" * 36,
                    "role_arn": "arn:aws:iam::123456789012:role/reader",
                }
            ],
            "enrollment": {"common_name": "db-1", "key_type": "dsa-1024", "cert_dir": str(cert_dir)},
        },
        tmp_path=tmp_path,
    )
    assert result.get("failed"), result
    assert "enrollment" in result["msg"] and "key_type" in result["msg"], result["msg"]
    assert not cert_dir.exists() and not config.exists()
