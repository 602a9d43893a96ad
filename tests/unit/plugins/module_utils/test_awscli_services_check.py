"""verify and the profile's services section: a CLI too old to read it is reported before it calls public endpoints."""

import pytest
from test_access_check import check, host, ok_answers  # noqa: F401  pylint: disable=unused-import

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import awscli_version


def with_services_section(host_dir):
    config = host_dir / "config"
    config.write_text(
        config.read_text() + "services = reader-endpoints\n\n[services reader-endpoints]\nsts =\n"
        "  endpoint_url = https://vpce-1.sts.us-east-1.vpce.amazonaws.com\n"
    )


@pytest.mark.parametrize(
    "output,expected",
    [
        ("aws-cli/1.28.9 Python/3.9.2 Linux/5.10 botocore/1.30.9", (1, 28, 9)),
        ("aws-cli/2.13.0 Python/3.11.4 Linux/6.1 exe/x86_64.debian.12", (2, 13, 0)),
        ("command not found", None),
    ],
)
def test_versions_are_read_from_aws_version(output, expected):
    assert awscli_version.parse(output) == expected


@pytest.mark.parametrize(
    "version,reads",
    [
        ((1, 28, 9), False),
        ((1, 29, 0), True),
        ((1, 46, 0), True),
        ((2, 12, 7), False),
        ((2, 13, 0), True),
        ((2, 31, 1), True),
    ],
)
def test_first_versions_that_read_a_services_section(version, reads):
    assert awscli_version.reads_services_section(version) is reads


def test_old_cli_with_a_services_section_is_diagnosed_without_calling_aws(host):  # pylint: disable=redefined-outer-name
    with_services_section(host)
    answers = dict(
        ok_answers(), **{"--version": (0, "aws-cli/1.27.160 Python/3.9.2 Linux/5.10 botocore/1.29.160\n", "")}
    )
    verification, cli = check(host, answers)
    result = verification.execute("aws")
    assert not result["ok"]
    assert result["diagnosis"]["code"] == "awscli_ignores_services"
    assert "version 1.27.160" in result["diagnosis"]["message"] and "1.29.0" in result["diagnosis"]["fix"]
    assert "[services reader-endpoints]" in result["diagnosis"]["message"]
    assert [call[0][1] for call in cli.calls] == ["--version"]


def test_current_cli_with_a_services_section_is_verified(host):  # pylint: disable=redefined-outer-name
    with_services_section(host)
    answers = dict(ok_answers(), **{"--version": (0, "aws-cli/2.22.35 Python/3.12.6 Linux/6.1 exe/x86_64\n", "")})
    verification, cli = check(host, answers)
    assert verification.execute("aws")["ok"]
    assert [call[0][1] for call in cli.calls] == ["--version", "sts", "redshift"]


def test_no_services_section_no_version_call(host):  # pylint: disable=redefined-outer-name
    verification, cli = check(host, ok_answers())
    assert verification.execute("aws")["ok"]
    assert [call[0][1] for call in cli.calls] == ["sts", "redshift"]
