"""The verification flow: which CLI calls run, what the result holds, how a failure becomes one diagnosis.

The CLI and the clock probe are replaced by recorded answers; the config, helper and certificate files are real.
"""

import json
import os

import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import access_check, host_inspection
from support import x509 as t

ANCHOR = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/a"
PROFILE = "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p"
ROLE = "arn:aws:iam::123456789012:role/reader"
IDENTITY = {"UserId": "AROA:1f", "Account": "123456789012", "Arn": "arn:aws:sts::123456789012:assumed-role/reader/1f"}


class RecordedCli:
    """Answers each AWS CLI call from a table keyed by the service name; records the calls."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, args, environ_update):
        self.calls.append((list(args), dict(environ_update)))
        return self.answers[args[1]]


@pytest.fixture
def host(tmp_path):
    key = t.new_key("ec-p256")
    ca_key = t.key("ec-p384")
    ca = t.ca_certificate(ca_key, cn="Test CA")
    leaf = t.certificate(subject_key=key, issuer_key=ca_key, subject=t.name("db01"), issuer=ca.subject)
    (tmp_path / "cert.pem").write_text(t.pem(leaf))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    helper = tmp_path / "helper"
    helper.write_text("#!/bin/sh\n")
    helper.chmod(0o755)
    command = (
        "{0} credential-process --certificate {1}/cert.pem --private-key {1}/key.pem --trust-anchor-arn {2} "
        "--profile-arn {3} --role-arn {4} --endpoint http://127.0.0.1:9"
    ).format(helper, tmp_path, ANCHOR, PROFILE, ROLE)
    config = tmp_path / "config"
    config.write_text("[profile reader]\nregion = us-east-1\ncredential_process = {0}\n".format(command))
    return tmp_path


def check(host, answers, server_date=None):
    params = {"profile": "reader", "region": "us-east-1", "aws_cli": "aws", "aws_config_file": str(host / "config")}
    cli = RecordedCli(answers)
    probe = server_date or (lambda url: None)
    return access_check.AccessCheck(params, cli, probe, host_inspection.CryptographyBackend()), cli


def ok_answers(clusters=("analytics",)):
    return {"sts": (0, json.dumps(IDENTITY), ""), "redshift": (0, json.dumps(list(clusters)), "")}


def test_success_reports_role_account_clusters_and_certificate(host):
    verification, cli = check(host, ok_answers(("zeta", "analytics")))
    result = verification.execute("/usr/bin/aws")
    assert result["ok"] is True
    assert result["assumed_role_arn"] == IDENTITY["Arn"]
    assert result["account"] == "123456789012"
    assert result["clusters"] == ["analytics", "zeta"]
    assert result["certificate"]["subject"] == "CN=db01"
    assert "diagnosis" not in result
    assert [call[0][1:3] for call in cli.calls] == [["sts", "get-caller-identity"], ["redshift", "describe-clusters"]]


def test_calls_go_through_the_profile_region_and_config_file(host):
    verification, cli = check(host, ok_answers())
    verification.execute("/usr/bin/aws")
    args, environ = cli.calls[0]
    assert args[args.index("--profile") + 1] == "reader"
    assert args[args.index("--region") + 1] == "us-east-1"
    assert environ["AWS_CONFIG_FILE"] == str(host / "config")


def test_first_call_bypasses_the_credential_cache_and_the_second_reuses_it(host):
    """Verification proves what the service says now, not what a cache kept from before a revocation."""
    verification, cli = check(host, ok_answers())
    verification.execute("/usr/bin/aws")
    assert [environ.get("ROLESANYWHERE_CREDENTIAL_CACHE") for _args, environ in cli.calls] == ["refresh", None]


def test_failed_identity_call_stops_before_redshift(host):
    answers = ok_answers()
    answers["sts"] = (
        255,
        "",
        "\nError when retrieving credentials from custom-process: AccessDeniedException: Profile is disabled\n",
    )
    verification, cli = check(host, answers)
    result = verification.execute("/usr/bin/aws")
    assert result["ok"] is False
    assert result["diagnosis"]["code"] == "profile_disabled"
    assert PROFILE in result["diagnosis"]["message"]
    assert len(cli.calls) == 1


def test_denied_redshift_call_names_the_action_and_role(host):
    answers = ok_answers()
    answers["redshift"] = (
        254,
        "",
        "\nAn error occurred (AccessDenied) when calling the DescribeClusters operation: User: "
        + IDENTITY["Arn"]
        + " is not authorized to perform: redshift:DescribeClusters\n",
    )
    result = check(host, answers)[0].execute("/usr/bin/aws")
    assert result["diagnosis"]["code"] == "permission_denied"
    assert "redshift:DescribeClusters" in result["diagnosis"]["message"]
    assert ROLE in result["diagnosis"]["message"]
    assert result["assumed_role_arn"] == IDENTITY["Arn"]


def test_stale_signature_measures_the_clock(host):
    answers = ok_answers()
    answers["sts"] = (
        255,
        "",
        "Error when retrieving credentials from custom-process: AccessDeniedException: Signature expired: x",
    )
    asked = []

    def server_date(url):
        asked.append(url)
        return "Mon, 01 Jan 2024 00:00:00 GMT"

    result = check(host, answers, server_date)[0].execute("/usr/bin/aws")
    assert asked == ["http://127.0.0.1:9"]
    assert result["diagnosis"]["code"] == "clock_skew"
    assert result["clock_skew_seconds"] > 300
    assert "ahead of" in result["diagnosis"]["message"]


def test_precise_service_answers_do_not_probe_the_clock(host):
    answers = ok_answers()
    answers["sts"] = (
        255,
        "",
        "Error when retrieving credentials from custom-process: AccessDeniedException: Profile is disabled",
    )
    asked = []
    result = check(host, answers, asked.append)[0].execute("/usr/bin/aws")
    assert asked == []
    assert result["clock_skew_seconds"] is None


def test_credentials_of_another_identity_are_not_a_success(host):
    answers = ok_answers()
    answers["sts"] = (0, json.dumps({"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/admin"}), "")
    result = check(host, answers)[0].execute("/usr/bin/aws")
    assert result["ok"] is False
    assert result["diagnosis"]["code"] == "wrong_identity"


def test_multiline_command_fails_even_when_the_cli_copes(host):
    config = host / "config"
    config.write_text(config.read_text().replace(" --private-key", "\n    --private-key"))
    result = check(host, ok_answers())[0].execute("/usr/bin/aws")
    assert result["ok"] is False
    assert result["diagnosis"]["code"] == "credential_process_multiline"


def test_missing_cli_is_diagnosed_without_running_anything(host):
    verification, cli = check(host, ok_answers())
    result = verification.execute(None)
    assert result["diagnosis"]["code"] == "awscli_missing"
    assert cli.calls == []


def test_missing_config_file(host):
    os.remove(str(host / "config"))
    answers = ok_answers()
    answers["sts"] = (255, "", "The config profile (reader) could not be found")
    result = check(host, answers)[0].execute("/usr/bin/aws")
    assert result["diagnosis"]["code"] == "aws_config_missing"


def test_local_diagnosis_keeps_the_local_details(host):
    os.remove(str(host / "helper"))
    answers = ok_answers()
    answers["sts"] = (255, "", "\n[Errno 2] No such file or directory: 'elsewhere'\n")
    result = check(host, answers)[0].execute("/usr/bin/aws")
    assert result["diagnosis"]["code"] == "helper_missing"
    assert str(host / "helper") in result["diagnosis"]["message"]


def test_remove_ambient_credentials():
    environ = {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_PROFILE": "p",
        "AWS_CONFIG_FILE": "/c",
        "AWS_ENDPOINT_URL": "e",
    }
    access_check.remove_ambient_credentials(environ)
    assert environ == {"AWS_CONFIG_FILE": "/c", "AWS_ENDPOINT_URL": "e"}


@pytest.mark.parametrize(
    "value, expected_year", [("Mon, 01 Jan 2024 00:00:00 GMT", 2024), ("garbage", None), (None, None)]
)
def test_parse_http_date(value, expected_year):
    parsed = access_check.parse_http_date(value)
    assert (parsed.year if parsed else None) == expected_year


def test_output_that_is_not_json_is_a_failure_not_a_crash(host):
    answers = ok_answers()
    answers["sts"] = (0, "<html>proxy login</html>", "")
    result = check(host, answers)[0].execute("/usr/bin/aws")
    assert result["ok"] is False
    assert result["diagnosis"]["code"] == "unknown"
    assert "proxy login" in result["diagnosis"]["message"]
