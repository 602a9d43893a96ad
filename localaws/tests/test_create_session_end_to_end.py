"""CreateSession end to end: the credentials it returns are real to the rest of the stand-in.

moto's IAM enforcement authorizes them as the assumed role, so Redshift answers with the permission and refuses
without it, through boto3 and through the real AWS CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import session_client
from botocore.exceptions import ClientError
from session_world import World

AWS_CLI = os.path.join(os.path.dirname(sys.executable), "aws")


@pytest.fixture(name="world")
def world_fixture(localaws):
    world = World(localaws)
    # A second role in the same profile, trusted the same way, with no permissions at all.
    world.powerless_role_arn = world.create_role("powerless")
    world.profile = world.create_profile([world.role_arn, world.powerless_role_arn])
    return world


def credentials_for(world, role_arn):
    response = world.create_session(role_arn=role_arn)
    assert response.status == 201, response.document
    return response.credentials


def redshift_client(world, credentials):
    return world.localaws.client(
        "redshift",
        access_key_id=credentials["accessKeyId"],
        secret_access_key=credentials["secretAccessKey"],
        session_token=credentials["sessionToken"],
    )


def run_aws_cli(world, credentials, *arguments):
    env = dict(world.localaws.env)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": credentials["accessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["secretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["sessionToken"],
            "PATH": os.environ.get("PATH", ""),
        }
    )
    return subprocess.run(
        [AWS_CLI, *arguments, "--output", "json"], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_boto3_describe_clusters_with_the_permission(world):
    # Allowed and answered; other tests in the session may have created clusters on this stand-in.
    assert isinstance(
        redshift_client(world, credentials_for(world, world.role_arn)).describe_clusters()["Clusters"], list
    )


def test_boto3_describe_clusters_without_the_permission_is_denied(world):
    with pytest.raises(ClientError) as denied:
        redshift_client(world, credentials_for(world, world.powerless_role_arn)).describe_clusters()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_the_credentials_are_the_assumed_role(world):
    credentials = credentials_for(world, world.role_arn)
    sts = world.localaws.client(
        "sts",
        access_key_id=credentials["accessKeyId"],
        secret_access_key=credentials["secretAccessKey"],
        session_token=credentials["sessionToken"],
    )
    role_name = world.role_arn.split("/")[-1]
    assert f":assumed-role/{role_name}/" in sts.get_caller_identity()["Arn"]


def test_aws_cli_describe_clusters_with_the_permission(world):
    result = run_aws_cli(world, credentials_for(world, world.role_arn), "redshift", "describe-clusters")
    assert result.returncode == 0, result.stderr
    # Allowed and answered; other tests in the session may have created clusters on this stand-in.
    assert isinstance(json.loads(result.stdout)["Clusters"], list)


def test_aws_cli_describe_clusters_without_the_permission_is_denied(world):
    result = run_aws_cli(world, credentials_for(world, world.powerless_role_arn), "redshift", "describe-clusters")
    assert result.returncode != 0
    assert "AccessDenied" in result.stderr


def test_concurrent_sessions_each_get_their_own_working_credentials(world):
    requests = [world.build(world.issue(f"parallel-{index}.example.com")) for index in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(session_client.send, requests))
    assert [response.status for response in responses] == [201] * 8
    access_keys = {response.credentials["accessKeyId"] for response in responses}
    assert len(access_keys) == 8
    for response in responses:
        # Allowed and answered; other tests in the session may have created clusters on this stand-in.
        assert isinstance(redshift_client(world, response.credentials).describe_clusters()["Clusters"], list)
