"""Authentication and IAM authorization of Roles Anywhere control-plane calls."""

import json
import urllib.request

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from control_plane_testlib import TestCa, bundle_source, error_of, unique_name

READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["rolesanywhere:List*", "rolesanywhere:Get*"], "Resource": "*"}],
}


def client_for(localaws, credentials, **kwargs):
    return localaws.client(
        "rolesanywhere",
        access_key_id=credentials["access_key_id"],
        secret_access_key=credentials["secret_access_key"],
        **kwargs,
    )


def test_unsigned_request_is_rejected(localaws):
    client = boto3.client(
        "rolesanywhere",
        endpoint_url=localaws.endpoint,
        region_name=localaws.region,
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(client.exceptions.ClientError) as rejected:
        client.list_trust_anchors()
    assert error_of(rejected)[:2] == ("MissingAuthenticationTokenException", 403)


def test_plain_http_without_authorization_is_rejected(localaws):
    with pytest.raises(urllib.error.HTTPError) as rejected:
        urllib.request.urlopen(localaws.endpoint + "/trustanchors", timeout=10)  # pylint: disable=consider-using-with
    assert rejected.value.code == 403
    assert rejected.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_wrong_secret_is_an_invalid_signature(localaws):
    client = client_for(localaws, {"access_key_id": localaws.access_key_id, "secret_access_key": "x" * 40})
    with pytest.raises(client.exceptions.ClientError) as rejected:
        client.list_profiles()
    assert error_of(rejected)[:2] == ("InvalidSignatureException", 403)


def test_unknown_access_key_is_unrecognized(localaws):
    client = client_for(localaws, {"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "x" * 40})
    with pytest.raises(client.exceptions.ClientError) as rejected:
        client.list_crls()
    assert error_of(rejected)[:2] == ("UnrecognizedClientException", 403)


def test_credentials_scoped_to_another_region_are_rejected(localaws):
    client = boto3.client(
        "rolesanywhere",
        endpoint_url=localaws.endpoint,
        region_name="eu-west-3",
        aws_access_key_id=localaws.access_key_id,
        aws_secret_access_key=localaws.secret_access_key,
    )
    with pytest.raises(client.exceptions.ClientError) as rejected:
        client.list_profiles()
    code, status, message = error_of(rejected)
    assert (code, status) == ("InvalidSignatureException", 403)
    assert "eu-west-3" in message and localaws.region in message


def test_user_without_rolesanywhere_permissions_is_denied(localaws):
    nobody = localaws.create_user(unique_name("nobody"))
    client = client_for(localaws, nobody)
    with pytest.raises(client.exceptions.AccessDeniedException) as denied:
        client.list_trust_anchors()
    code, status, message = error_of(denied)
    assert (code, status) == ("AccessDeniedException", 403)
    assert nobody["arn"] in message and "rolesanywhere:ListTrustAnchors" in message


def test_read_only_user_can_list_but_not_create(localaws):
    reader = client_for(localaws, localaws.create_user(unique_name("reader"), READ_ONLY))
    assert "trustAnchors" in reader.list_trust_anchors()
    with pytest.raises(reader.exceptions.AccessDeniedException) as denied:
        reader.create_trust_anchor(name="nope", source=bundle_source(TestCa()))
    assert "rolesanywhere:CreateTrustAnchor" in error_of(denied)[2]


def test_resource_level_permission_and_explicit_deny(localaws):
    admin = localaws.client("rolesanywhere")
    ca = TestCa()
    allowed = admin.create_trust_anchor(name="allowed", source=bundle_source(ca))["trustAnchor"]
    other = admin.create_trust_anchor(name="other", source=bundle_source(ca))["trustAnchor"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "rolesanywhere:GetTrustAnchor", "Resource": allowed["trustAnchorArn"]},
            {"Effect": "Allow", "Action": "rolesanywhere:*TrustAnchor", "Resource": "*"},
            {"Effect": "Deny", "Action": "rolesanywhere:DeleteTrustAnchor", "Resource": "*"},
        ],
    }
    client = client_for(localaws, localaws.create_user(unique_name("scoped"), policy))
    assert client.get_trust_anchor(trustAnchorId=allowed["trustAnchorId"])["trustAnchor"]["name"] == "allowed"
    assert client.enable_trust_anchor(trustAnchorId=other["trustAnchorId"])["trustAnchor"]["enabled"] is True
    with pytest.raises(client.exceptions.AccessDeniedException) as denied:
        client.delete_trust_anchor(trustAnchorId=allowed["trustAnchorId"])
    assert "explicit deny" in error_of(denied)[2]


def test_only_the_allowed_resource_when_policy_names_one_arn(localaws):
    admin = localaws.client("rolesanywhere")
    ca = TestCa()
    allowed = admin.create_trust_anchor(name="allowed", source=bundle_source(ca))["trustAnchor"]
    other = admin.create_trust_anchor(name="other", source=bundle_source(ca))["trustAnchor"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "rolesanywhere:GetTrustAnchor", "Resource": allowed["trustAnchorArn"]}
        ],
    }
    client = client_for(localaws, localaws.create_user(unique_name("one-arn"), policy))
    client.get_trust_anchor(trustAnchorId=allowed["trustAnchorId"])
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.get_trust_anchor(trustAnchorId=other["trustAnchorId"])


def test_assumed_role_credentials_are_authorized_by_the_role_policies(localaws):
    iam = localaws.client("iam")
    role_name = unique_name("ra-reader")
    # moto matches AWS principals literally (an account's :root does not cover its users), so name the user.
    admin_arn = "arn:aws:iam::%s:user/localaws-admin" % localaws.account_id
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": admin_arn}, "Action": "sts:AssumeRole"}],
    }
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=role_name, PolicyName="read", PolicyDocument=json.dumps(READ_ONLY))
    credentials = localaws.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="tests")["Credentials"]
    client = localaws.client(
        "rolesanywhere",
        access_key_id=credentials["AccessKeyId"],
        secret_access_key=credentials["SecretAccessKey"],
        session_token=credentials["SessionToken"],
    )
    assert "profiles" in client.list_profiles()
    with pytest.raises(client.exceptions.AccessDeniedException) as denied:
        client.create_profile(name="nope", roleArns=[role["Arn"]])
    assert ":assumed-role/%s/tests" % role_name in error_of(denied)[2]


def test_policies_match_the_resource_arn_when_called_by_alias(localaws):
    admin = localaws.client("rolesanywhere")
    anchor = admin.create_trust_anchor(
        name="aliased", source=bundle_source(TestCa()), aliasName=unique_name("aliased")
    )["trustAnchor"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "rolesanywhere:GetTrustAnchor", "Resource": anchor["trustAnchorArn"]}
        ],
    }
    client = client_for(localaws, localaws.create_user(unique_name("by-alias"), policy))
    assert (
        client.get_trust_anchor(trustAnchorId=anchor["aliasArn"])["trustAnchor"]["trustAnchorId"]
        == anchor["trustAnchorId"]
    )
