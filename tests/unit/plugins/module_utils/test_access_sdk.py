"""The in-process client of verify: its failures read as the AWS CLI's, so the diagnosis is the same from either.

The botocore exceptions are the real classes; only the call that would reach the network is replaced.
"""

import os
import subprocess
import sys

import botocore.session
import pytest
from botocore import exceptions
from botocore.stub import Stubber

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


def redshift_client():
    """A real botocore Redshift client whose answers come from a Stubber: the requests are checked against the model."""
    session = botocore.session.Session()
    return session.create_client(
        "redshift", region_name="eu-west-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="example"
    )


def cluster_page(identifiers, marker=None):
    page = {"Clusters": [{"ClusterIdentifier": identifier} for identifier in identifiers]}
    if marker:
        page["Marker"] = marker
    return page


def test_every_page_of_clusters_is_read_by_following_the_marker():
    client = redshift_client()
    with Stubber(client) as stubber:
        stubber.add_response("describe_clusters", cluster_page(["analytics", "etl"], marker="page-2"), {})
        stubber.add_response("describe_clusters", cluster_page(["reporting"]), {"Marker": "page-2"})
        assert access_sdk.cluster_identifiers(client) == ["analytics", "etl", "reporting"]
        stubber.assert_no_pending_responses()


def test_a_marker_given_twice_stops_the_reading_as_botocores_paginator_does():
    client = redshift_client()
    with Stubber(client) as stubber:
        stubber.add_response("describe_clusters", cluster_page(["analytics"], marker="again"), {})
        stubber.add_response("describe_clusters", cluster_page([], marker="again"), {"Marker": "again"})
        with pytest.raises(exceptions.PaginationError) as stopped:
            access_sdk.cluster_identifiers(client)
    assert "The same next token was received twice" in str(stopped.value)


def test_a_check_that_succeeds_imports_neither_the_diagnosis_catalogue_nor_the_delivery_checks():
    # Both are imported on first need; a fresh Python shows what importing the check itself loads.
    package = "ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils"
    program = (
        "import sys\n"
        "from {0} import access_check, access_sdk\n"
        "print(sorted(name for name in ('{0}.diagnosis', '{0}.delivery_check') if name in sys.modules))\n"
    ).format(package)
    # The test's own import path, which finds the collection.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    shown = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"
    assert access_check.diagnoses() is diagnosis


def test_the_session_lists_only_the_called_services_and_finds_their_models_where_botocore_does(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path / "models"))
    session = botocore.session.Session()
    default_loader = session.get_component("data_loader")
    access_sdk.use_called_services_loader(session)
    loader = session.get_component("data_loader")
    assert isinstance(loader, access_sdk.CalledServicesLoader)
    assert loader.search_paths == default_loader.search_paths
    assert str(tmp_path / "models") in loader.search_paths
    for type_name in ("service-2", "endpoint-rule-set-1"):
        assert loader.list_available_services(type_name) == ["redshift", "sts"]
        assert loader.load_service_model("redshift", type_name) == default_loader.load_service_model(
            "redshift", type_name
        )
    with pytest.raises(exceptions.UnknownServiceError):
        session.create_client("ec2", region_name="eu-west-1")
