"""The stand-in as a process: start-up line, moto services on the same port, enforcement, admin API."""

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import urllib.request

import pytest
from botocore.exceptions import ClientError

REDSHIFT_DESCRIBE_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "redshift:DescribeClusters", "Resource": "*"}],
}


# The console script the package installs next to this interpreter.
ENTRY_POINT = os.path.join(os.path.dirname(sys.executable), "localaws")


def test_entry_point_prints_one_json_line_and_stops_on_sigterm(tmp_path):
    with subprocess.Popen(
        [ENTRY_POINT, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmp_path
    ) as process:
        info = json.loads(process.stdout.readline())
        assert set(info) == {"endpoint", "region", "account_id", "access_key_id", "secret_access_key"}
        assert info["endpoint"].startswith("http://127.0.0.1:")
        with urllib.request.urlopen(info["endpoint"] + "/_localaws/health") as response:
            assert json.loads(response.read())["iam_enforcement"] is True
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == b""


def test_moto_services_share_the_endpoint(localaws):
    assert localaws.client("sts").get_caller_identity()["Arn"].endswith(":user/localaws-admin")
    # Allowed and answered; other tests in the session may have created clusters on this stand-in.
    assert isinstance(localaws.client("redshift").describe_clusters()["Clusters"], list)
    assert "CertificateAuthorities" in localaws.client("acm-pca").list_certificate_authorities()
    assert any(user["UserName"] == "localaws-admin" for user in localaws.client("iam").list_users()["Users"])


def test_enforcement_denies_redshift_without_permission(localaws):
    nobody = localaws.create_user("server-test-nobody")
    redshift = localaws.client(
        "redshift", access_key_id=nobody["access_key_id"], secret_access_key=nobody["secret_access_key"]
    )
    with pytest.raises(ClientError) as denied:
        redshift.describe_clusters()
    assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_enforcement_allows_redshift_with_permission(localaws):
    reader = localaws.create_user("server-test-reader", REDSHIFT_DESCRIBE_ONLY)
    redshift = localaws.client(
        "redshift", access_key_id=reader["access_key_id"], secret_access_key=reader["secret_access_key"]
    )
    # Allowed and answered; other tests in the session may have created clusters on this stand-in.
    assert isinstance(redshift.describe_clusters()["Clusters"], list)


def test_unknown_access_key_is_rejected_by_moto(localaws):
    sts = localaws.client("sts", access_key_id="AKIAIOSFODNN7EXAMPLE", secret_access_key="x" * 40)
    with pytest.raises(ClientError) as rejected:
        sts.get_caller_identity()
    assert rejected.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_concurrent_clients_are_served(localaws):
    client = localaws.client("rolesanywhere")
    role = "arn:aws:iam::%s:role/concurrent" % localaws.account_id

    def create(index):
        return client.create_profile(name="concurrent-%d" % index, roleArns=[role])["profile"]["profileId"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(create, range(24)))
        identities = list(pool.map(lambda _index: localaws.client("sts").get_caller_identity()["Account"], range(8)))
    assert len(set(created)) == 24
    assert identities == [localaws.account_id] * 8
    listed = {
        item["profileId"] for page in client.get_paginator("list_profiles").paginate() for item in page["profiles"]
    }
    assert set(created) <= listed
