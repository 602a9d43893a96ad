"""Fault injection, the admin API and the AWS CLI against the stand-in."""

import datetime
import json
import os
import shutil
import subprocess
import sys
import urllib.request

import pytest
from botocore.config import Config
from control_plane_testlib import TestCa, bundle_source, error_of, role_arn, unique_name

from localaws.process import LocalAwsError, start_server

AWS_CLI = shutil.which("aws", path=os.path.dirname(sys.executable)) or shutil.which("aws")


def retrying_client(localaws, attempts):
    return localaws.client("rolesanywhere", config=Config(retries={"mode": "standard", "total_max_attempts": attempts}))


def test_boto3_retries_throttling_and_succeeds(localaws):
    localaws.inject_fault("ListTrustAnchors", "throttle", 2)
    response = retrying_client(localaws, 5).list_trust_anchors()
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_boto3_retries_server_errors_and_succeeds(localaws):
    localaws.inject_fault("ListProfiles", "error500", 1)
    response = retrying_client(localaws, 3).list_profiles()
    assert response["ResponseMetadata"]["RetryAttempts"] == 1


def test_throttling_surfaces_when_retries_run_out(localaws):
    localaws.inject_fault("CreateProfile", "throttle", 1)
    client = retrying_client(localaws, 1)
    with pytest.raises(client.exceptions.ClientError) as throttled:
        client.create_profile(name="throttled", roleArns=[role_arn(localaws.account_id)])
    assert error_of(throttled)[:2] == ("ThrottlingException", 429)
    assert (
        client.create_profile(name="after-throttle", roleArns=[role_arn(localaws.account_id)])["profile"]["name"]
        == "after-throttle"
    )


def test_faults_apply_to_create_session(localaws):
    localaws.inject_fault("CreateSession", "error500", 1)
    request = urllib.request.Request(
        localaws.endpoint + "/sessions", data=b"{}", method="POST", headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=10)  # pylint: disable=consider-using-with
    assert failed.value.code == 500
    assert failed.value.headers["x-amzn-ErrorType"] == "InternalServerException"


def test_unknown_fault_operation_or_kind_is_refused(localaws):
    with pytest.raises(LocalAwsError, match="ListThings"):
        localaws.inject_fault("ListThings", "throttle", 1)
    with pytest.raises(LocalAwsError, match="kind"):
        localaws.inject_fault("ListCrls", "slow", 1)


def test_clock_shift_moves_service_timestamps(localaws):
    client = localaws.client("rolesanywhere")
    shift = 10 * 24 * 3600
    try:
        state = localaws.shift_clock(shift)
        assert state["shift_seconds"] == shift
        anchor = client.create_trust_anchor(name="future", source=bundle_source(TestCa()))["trustAnchor"]
    finally:
        localaws.shift_clock(0)
    ahead = anchor["createdAt"] - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(days=9) < ahead < datetime.timedelta(days=11)


def test_session_log_is_a_list(localaws):
    assert isinstance(localaws.session_log(), list)


def test_health(localaws):
    health = localaws.health()
    assert health["status"] == "ok"
    assert health["iam_enforcement"] is True
    assert {"iam", "sts", "redshift", "acm-pca", "rolesanywhere"} <= set(health["services"])


def test_reset_forgets_roles_anywhere_state_but_keeps_iam(tmp_path):
    # A private server: resetting the shared one would pull resources from under other tests.
    server = start_server(str(tmp_path))
    try:
        client = server.client("rolesanywhere")
        client.create_trust_anchor(name=unique_name("gone"), source=bundle_source(TestCa()))
        server.inject_fault("ListTrustAnchors", "throttle", 5)
        server.shift_clock(3600)
        server.reset()
        assert client.list_trust_anchors()["trustAnchors"] == []
        assert server.health()["status"] == "ok"
        assert server.client("sts").get_caller_identity()["Arn"].endswith(":user/localaws-admin")
        assert (
            json.loads(urllib.request.urlopen(server.endpoint + "/_localaws/clock", timeout=10).read())[  # pylint: disable=consider-using-with
                "shift_seconds"
            ]
            == 0
        )
    finally:
        server.stop()


def aws_cli(localaws, *args):
    env = dict(os.environ)
    env.update(localaws.env)
    result = subprocess.run(
        [AWS_CLI, *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(AWS_CLI is None, reason="the AWS CLI is not installed")
def test_aws_cli_reaches_roles_anywhere_through_aws_endpoint_url(localaws):
    anchor = localaws.client("rolesanywhere").create_trust_anchor(
        name=unique_name("cli"), source=bundle_source(TestCa())
    )
    listed = aws_cli(localaws, "rolesanywhere", "list-trust-anchors")
    assert anchor["trustAnchor"]["trustAnchorId"] in [item["trustAnchorId"] for item in listed["trustAnchors"]]


@pytest.mark.skipif(AWS_CLI is None, reason="the AWS CLI is not installed")
def test_aws_cli_reaches_moto_services_through_the_same_endpoint(localaws):
    # Allowed and answered; other tests in the session may have created clusters on this stand-in.
    assert isinstance(aws_cli(localaws, "redshift", "describe-clusters")["Clusters"], list)
    assert aws_cli(localaws, "sts", "get-caller-identity")["Account"] == localaws.account_id


def test_moto_reset_clears_everything_but_keeps_the_administrator_key(tmp_path):
    server = start_server(str(tmp_path))
    try:
        server.create_user("wiped-by-reset")
        server.client("rolesanywhere").create_trust_anchor(name=unique_name("wiped"), source=bundle_source(TestCa()))
        request = urllib.request.Request(server.endpoint + "/moto-api/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:  # pylint: disable=consider-using-with
            assert response.status == 200
        users = [user["UserName"] for user in server.client("iam").list_users()["Users"]]
        assert users == ["localaws-admin"]
        assert server.client("rolesanywhere").list_trust_anchors()["trustAnchors"] == []
        assert server.health()["iam_enforcement"] is True
    finally:
        server.stop()
