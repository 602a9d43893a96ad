"""The in-process client of verify: its failures read as the AWS CLI's, so the diagnosis is the same from either.

The botocore exceptions are the real classes; only the call that would reach the network is replaced.
"""

import subprocess

import pytest
from botocore import exceptions

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import access_check, access_sdk, diagnosis

ENDPOINT = "https://rolesanywhere.eu-west-1.amazonaws.com"
DENIED = (
    "User: arn:aws:sts::123456789012:assumed-role/reader/1f is not authorized to perform: redshift:DescribeClusters "
    "on resource: arn:aws:redshift:eu-west-1:123456789012:cluster:*"
)
UNTRUSTED = "2026/01/01 00:00:00 AccessDeniedException: Untrusted signing certificate"

# (what botocore raises, what the AWS CLI prints for the same failure, the cause both must give)
FAILURES = [
    (
        exceptions.ClientError({"Error": {"Code": "AccessDenied", "Message": DENIED}}, "DescribeClusters"),
        "\nAn error occurred (AccessDenied) when calling the DescribeClusters operation: " + DENIED + "\n",
        None,
    ),
    (
        exceptions.CredentialRetrievalError(provider="custom-process", error_msg=UNTRUSTED),
        "\nError when retrieving credentials from custom-process: " + UNTRUSTED + "\n",
        "certificate_untrusted",
    ),
    (
        exceptions.EndpointConnectionError(endpoint_url=ENDPOINT),
        '\nCould not connect to the endpoint URL: "{0}"\n'.format(ENDPOINT),
        "endpoint_unreachable",
    ),
    (
        exceptions.ReadTimeoutError(endpoint_url=ENDPOINT),
        '\nRead timeout on endpoint URL: "{0}"\n'.format(ENDPOINT),
        "timed_out",
    ),
    (
        exceptions.ConnectTimeoutError(endpoint_url=ENDPOINT),
        '\nConnect timeout on endpoint URL: "{0}"\n'.format(ENDPOINT),
        "timed_out",
    ),
    (
        exceptions.ProfileNotFound(profile="reader"),
        "\nThe config profile (reader) could not be found\n",
        "profile_missing",
    ),
    (
        exceptions.NoCredentialsError(),
        '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n',
        "credential_process_missing",
    ),
    (
        exceptions.ConfigParseError(path="/home/etl/.aws/config"),
        "\nUnable to parse config file: /home/etl/.aws/config\n",
        "aws_config_unparsable",
    ),
    (
        FileNotFoundError(2, "No such file or directory", "/opt/bin/aws_signing_helper"),
        "\n[Errno 2] No such file or directory: '/opt/bin/aws_signing_helper'\n",
        "helper_missing",
    ),
    (
        PermissionError(13, "Permission denied", "/opt/bin/aws_signing_helper"),
        "\n[Errno 13] Permission denied: '/opt/bin/aws_signing_helper'\n",
        "helper_not_executable",
    ),
]


def failing_caller(monkeypatch, tmp_path, error):
    def fail(_client):
        raise error

    monkeypatch.setattr(access_sdk, "CALLS", {"sts": fail, "redshift": fail})
    monkeypatch.setattr(access_sdk.SdkCaller, "client", lambda self, service: None)
    config = tmp_path / "config"
    config.write_text(
        "[profile reader]\nregion = eu-west-1\ncredential_process = /opt/bin/aws_signing_helper credential-process\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return access_sdk.SdkCaller("reader", "eu-west-1", 60)


@pytest.mark.parametrize("error,cli_text,cause", FAILURES, ids=[failure[0].__class__.__name__ for failure in FAILURES])
def test_each_botocore_failure_gets_the_cause_the_cli_text_gets(monkeypatch, tmp_path, error, cli_text, cause):
    command = access_check.DESCRIBE_CLUSTERS
    document, text = failing_caller(monkeypatch, tmp_path, error).call(command, {})
    assert document is None
    action = access_check.ACTIONS[command]
    from_sdk, from_cli = diagnosis.classify_error(text, action), diagnosis.classify_error(cli_text, action)
    assert from_sdk[0] == from_cli[0]
    if cause:
        assert from_sdk[0] == cause


def test_a_credential_process_past_the_deadline_is_stopped_and_reads_as_a_timeout():
    seconds_left = iter([0.2, 0.0])
    # A helper that starts a child of its own and hangs: the whole process group goes at the deadline.
    process = access_sdk.bounded_popen(lambda: next(seconds_left), 20)(
        ["sh", "-c", "sleep 60 & sleep 60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    with pytest.raises(access_sdk.DeadlineExceeded) as stopped:
        process.communicate()
    assert process.returncode is not None
    assert diagnosis.classify_error(str(stopped.value))[0] == "timed_out"


def test_no_call_starts_after_the_deadline(monkeypatch, tmp_path):
    clock = iter([0.0, 100.0])
    caller = access_sdk.SdkCaller("reader", "eu-west-1", 60, clock=lambda: next(clock))
    document, text = caller.call(access_check.CALLER_IDENTITY, {})
    assert document is None and caller.session is None
    assert diagnosis.classify_error(text)[0] == "timed_out"


def test_botocore_of_the_test_python_is_recent_enough_for_the_sdk_client():
    assert access_sdk.usable()
