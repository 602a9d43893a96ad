"""The input rules every role checks first: what passes, what is refused, and that each message names the variable."""

import os

import pytest
import yaml

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import input_rules

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))

ACCEPTED = [
    ("rolesanywhere_common_name", "db01.example.com"),
    ("rolesanywhere_common_name", "x" * 64),
    ("rolesanywhere_dns_names", ["db01.example.com", "*.apps.example.com", "xn--mnchen-3ya.example"]),
    ("rolesanywhere_endpoint_url", "https://rolesanywhere.us-east-1.amazonaws.com"),
    ("rolesanywhere_endpoint_url", "http://127.0.0.1:4566"),
    ("rolesanywhere_endpoint_url", ""),
    ("rolesanywhere_session_duration", 900),
    ("rolesanywhere_session_duration", "43200"),
    ("rolesanywhere_aws_profile", "rolesanywhere"),
    ("rolesanywhere_aws_profile_settings", {"output": "json", "cli_pager": ""}),
    ("rolesanywhere_profiles", [{"aws_profile": "etl", "session_duration": 1800}]),
    ("rolesanywhere_trust_anchor_arn", "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b1c"),
    ("rolesanywhere_profile_managed_policy_arns", ["arn:aws:iam::aws:policy/AmazonRedshiftReadOnlyAccess"]),
    ("rolesanywhere_region", "eu-west-2"),
    ("rolesanywhere_ca_path", "/nonexistent/ca"),
    ("rolesanywhere_verify_timeout", 120),
    ("rolesanywhere_signing_helper_install_dir", "/usr/local/bin"),
    ("rolesanywhere_credential_cache_max_age", 0),
    ("rolesanywhere_credential_cache_max_age", "900"),
]

REFUSED = [
    ("rolesanywhere_common_name", "x" * 65, "at most 64"),
    ("rolesanywhere_common_name", "db01\nrogue", "control character"),
    ("rolesanywhere_common_name", "", "is empty"),
    ("rolesanywhere_dns_names", ["münchen.example"], "xn--mnchen-3ya.example"),
    ("rolesanywhere_dns_names", ["-db.example.com"], "not a valid DNS name"),
    ("rolesanywhere_dns_names", ["a" * 64 + ".example.com"], "not a valid DNS name"),
    ("rolesanywhere_dns_names", ["db 01.example.com"], "not a valid DNS name"),
    ("rolesanywhere_dns_names", "db01.example.com", "must be a list"),
    ("rolesanywhere_endpoint_url", "https://rolesanywhere .amazonaws.com", "spaces"),
    ("rolesanywhere_endpoint_url", "ftp://example.com", "http(s) URL"),
    ("rolesanywhere_endpoint_url", "https://", "http(s) URL"),
    ("rolesanywhere_endpoint_url", "http://127.0.0.1:99999", "invalid port"),
    ("rolesanywhere_session_duration", 100, "from 900 to 43200"),
    ("rolesanywhere_session_duration", 50000, "from 900 to 43200"),
    ("rolesanywhere_session_duration", "an hour", "whole number"),
    ("rolesanywhere_aws_profile", "a]b", "']'"),
    ("rolesanywhere_aws_profile", "a\nb", "line break"),
    ("rolesanywhere_aws_profile", " padded ", "spaces"),
    ("rolesanywhere_aws_profile_settings", {"credential_process": "/bin/true"}, "writes itself"),
    ("rolesanywhere_aws_profile_settings", {"Region": "eu-west-1"}, "writes itself"),
    ("rolesanywhere_aws_profile_settings", {"output": "json\ncredential_process = x"}, "one line"),
    (
        "rolesanywhere_profiles",
        [{"aws_profile": "ok"}, {"aws_profile": "bad]"}],
        "rolesanywhere_profiles[1].aws_profile",
    ),
    ("rolesanywhere_trust_anchor_arn", "arn:aws:rolesanywhere:us-east-1:123:trust-anchor/x", "trust-anchor/ID"),
    ("rolesanywhere_profile_managed_policy_arns", ["AmazonRedshiftReadOnlyAccess"], "policy/NAME"),
    ("rolesanywhere_trust_anchor_name", "ca/name", "Roles Anywhere name"),
    ("rolesanywhere_role_name", "r" * 65, "IAM name"),
    ("rolesanywhere_region", "US East", "region"),
    ("rolesanywhere_cert_dir", "certs", "absolute path"),
    ("rolesanywhere_aws_config_file", "/home/etl/.aws/", "directory"),
    ("rolesanywhere_renew_before_days", -1, "from 0"),
    ("rolesanywhere_profile_roles_mode", "append", "replace, merge"),
    ("rolesanywhere_signing_helper_install_dir", "bin", "absolute directory"),
    ("rolesanywhere_credential_cache_max_age", -1, "0 or more"),
    ("rolesanywhere_credential_cache_max_age", "15m", "whole number"),
]


@pytest.mark.parametrize("name,value", ACCEPTED)
def test_accepted(name, value):
    assert input_rules.check_inputs({name: value}) == []


@pytest.mark.parametrize("name,value,words", REFUSED)
def test_refused_names_the_variable_and_the_rule(name, value, words):
    [error] = input_rules.check_inputs({name: value})
    assert error.startswith(name.split("[")[0]) and words in error, error


def test_ca_path_that_is_a_file_is_refused(tmp_path):
    ca_file = tmp_path / "ca.crt"
    ca_file.write_text("x")
    [error] = input_rules.check_inputs({"rolesanywhere_ca_path": str(ca_file)})
    assert "rolesanywhere_ca_path" in error and "is a file" in error


def test_a_variable_without_a_rule_is_a_mistake():
    with pytest.raises(KeyError):
        input_rules.check_inputs({"rolesanywhere_no_such_variable": 1})


def first_task(role, task_file="main.yml"):
    """The first task the role runs, through the task files its main.yml imports first."""
    with open(os.path.join(REPO, "roles", role, "tasks", task_file), encoding="utf-8") as stream:
        first = yaml.safe_load(stream)[0]
    imported = first.get("ansible.builtin.import_tasks")
    return first_task(role, imported) if imported else first


@pytest.mark.parametrize("role", ["trust", "enroll", "credential_helper", "verify"])
def test_each_role_checks_its_inputs_first_and_only_known_ones(role):
    first = first_task(role)
    assert "hybridcloud.rolesanywhere.validate_inputs" in first, first
    names = set(first["hybridcloud.rolesanywhere.validate_inputs"]["inputs"])
    assert names and names <= set(input_rules.RULES), names - set(input_rules.RULES)
    # The same task checks the role's argument specs, so playbooks may import it with rolespec_validate=false.
    assert first["hybridcloud.rolesanywhere.validate_inputs"]["role"] == role


WRITTEN_PROFILE = {
    "aws_profile": "etl",
    "trust_anchor_arn": "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0b1c",
    "profile_arn": "arn:aws:rolesanywhere:us-east-1:123456789012:profile/0b1d",
    "role_arn": "arn:aws:iam::123456789012:role/etl",
    "session_duration": "3600",
    "endpoint_url": "",
    "endpoints": {"sts": "https://vpce-0abc.sts.us-east-1.vpce.amazonaws.com"},
}


def test_a_complete_profile_can_be_written():
    assert input_rules.written_profile_problem(WRITTEN_PROFILE) is None


def test_a_profile_without_its_arns_names_each_missing_variable_and_the_way_to_set_it():
    problem = input_rules.written_profile_problem(dict(WRITTEN_PROFILE, role_arn="", profile_arn=None))
    assert problem.startswith("AWS profile 'etl': ")
    assert "rolesanywhere_profile_arn is empty" in problem and "rolesanywhere_role_arn is empty" in problem
    assert "rolesanywhere_trust_anchor_arn" not in problem
    assert "Run the trust role first" in problem


@pytest.mark.parametrize(
    "override,words",
    [
        ({"session_duration": 600}, "rolesanywhere_session_duration is 600"),
        ({"endpoint_url": "ftp://x"}, "rolesanywhere_endpoint_url"),
        ({"endpoints": {"sts sts": "https://x"}}, "rolesanywhere_endpoints key"),
        ({"aws_profile": "a]b"}, "rolesanywhere_aws_profile"),
        ({"role_arn": "arn:aws:iam::12:role/x"}, "arn:aws:iam::ACCOUNT:role/NAME"),
    ],
)
def test_a_profile_with_a_bad_setting_is_refused_by_its_rule(override, words):
    assert words in input_rules.written_profile_problem(dict(WRITTEN_PROFILE, **override))
