"""Profiles and their attribute mappings through boto3, against the stand-in."""

import json

import pytest
from control_plane_testlib import NO_CLIENT_VALIDATION, error_of, role_arn, unique_name

DEFAULT_MAPPINGS = [
    {"certificateField": "x509Subject", "mappingRules": [{"specifier": "*"}]},
    {"certificateField": "x509Issuer", "mappingRules": [{"specifier": "*"}]},
    {
        "certificateField": "x509SAN",
        "mappingRules": [{"specifier": "DNS"}, {"specifier": "URI"}, {"specifier": "Name/*"}],
    },
]
SESSION_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "redshift:DescribeClusters", "Resource": "*"}],
    }
)
MISSING_ID = "0f0f0f0f-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def rolesanywhere(localaws):
    return localaws.client("rolesanywhere")


@pytest.fixture(scope="module")
def raw_rolesanywhere(localaws):
    return localaws.client("rolesanywhere", config=NO_CLIENT_VALIDATION)


def create_profile(client, account_id, **extra):
    return client.create_profile(name=unique_name("profile"), roleArns=[role_arn(account_id)], **extra)["profile"]


def test_create_returns_defaults(localaws, rolesanywhere):
    response = rolesanywhere.create_profile(name="workloads", roleArns=[role_arn(localaws.account_id)])
    profile = response["profile"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert profile["profileArn"] == "arn:aws:rolesanywhere:%s:%s:profile/%s" % (
        localaws.region,
        localaws.account_id,
        profile["profileId"],
    )
    assert profile["durationSeconds"] == 3600
    assert profile["acceptRoleSessionName"] is False
    assert profile["enabled"] is False
    assert profile["managedPolicyArns"] == []
    assert profile["roleArns"] == [role_arn(localaws.account_id)]
    assert profile["attributeMappings"] == DEFAULT_MAPPINGS
    assert profile["createdBy"] == "arn:aws:iam::%s:user/localaws-admin" % localaws.account_id
    assert "sessionPolicy" not in profile


def test_create_with_everything(localaws, rolesanywhere):
    managed = ["arn:aws:iam::aws:policy/AmazonRedshiftReadOnlyAccess"]
    profile = create_profile(
        rolesanywhere,
        localaws.account_id,
        enabled=True,
        durationSeconds=900,
        sessionPolicy=SESSION_POLICY,
        managedPolicyArns=managed,
        acceptRoleSessionName=True,
    )
    assert (
        profile["enabled"],
        profile["durationSeconds"],
        profile["sessionPolicy"],
        profile["managedPolicyArns"],
        profile["acceptRoleSessionName"],
    ) == (True, 900, SESSION_POLICY, managed, True)


def test_get_list_update_delete(localaws, rolesanywhere):
    profile = create_profile(rolesanywhere, localaws.account_id, enabled=True)
    assert rolesanywhere.get_profile(profileId=profile["profileArn"])["profile"] == profile
    listed = [item for page in rolesanywhere.get_paginator("list_profiles").paginate() for item in page["profiles"]]
    assert profile in listed
    updated = rolesanywhere.update_profile(
        profileId=profile["profileId"],
        name="renamed",
        durationSeconds=43200,
        roleArns=[role_arn(localaws.account_id, "other")],
        acceptRoleSessionName=True,
        managedPolicyArns=[],
        sessionPolicy=SESSION_POLICY,
    )["profile"]
    assert (
        updated["name"],
        updated["durationSeconds"],
        updated["roleArns"],
        updated["acceptRoleSessionName"],
        updated["sessionPolicy"],
        updated["enabled"],
    ) == ("renamed", 43200, [role_arn(localaws.account_id, "other")], True, SESSION_POLICY, True)
    assert updated["updatedAt"] >= profile["updatedAt"]
    assert rolesanywhere.delete_profile(profileId=profile["profileId"])["profile"]["profileId"] == profile["profileId"]
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException):
        rolesanywhere.get_profile(profileId=profile["profileId"])


def test_enable_and_disable(localaws, rolesanywhere):
    profile = create_profile(rolesanywhere, localaws.account_id)
    assert rolesanywhere.enable_profile(profileId=profile["profileId"])["profile"]["enabled"] is True
    assert rolesanywhere.disable_profile(profileId=profile["profileId"])["profile"]["enabled"] is False


@pytest.mark.parametrize(
    "operation", ["get_profile", "delete_profile", "enable_profile", "disable_profile", "update_profile"]
)
def test_unknown_id_is_not_found(rolesanywhere, operation):
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException) as missing:
        getattr(rolesanywhere, operation)(profileId=MISSING_ID)
    assert error_of(missing)[:2] == ("ResourceNotFoundException", 404)


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (
            {"durationSeconds": 899},
            "at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
        ),
        (
            {"durationSeconds": 43201},
            "at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
        ),
        (
            {"roleArns": ["arn:aws:iam::123456789012:user/not-a-role"]},
            "at 'roleArns.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern",
        ),
        (
            {"roleArns": ["arn:aws:iam::123456789012:role/r%d" % index for index in range(251)]},
            "at 'roleArns' failed to satisfy constraint: Member must have length less than or equal to 250",
        ),
        (
            {"managedPolicyArns": ["arn:aws:iam::aws:policy/P%d" % index for index in range(51)]},
            "at 'managedPolicyArns' failed to satisfy constraint: Member must have length less than or equal to 50",
        ),
        ({"sessionPolicy": "{not json"}, "sessionPolicy"),
    ],
)
def test_profile_constraints(localaws, raw_rolesanywhere, extra, fragment):
    params = {"name": "constraints", "roleArns": [role_arn(localaws.account_id)]}
    params.update(extra)
    with pytest.raises(raw_rolesanywhere.exceptions.ValidationException) as invalid:
        raw_rolesanywhere.create_profile(**params)
    assert fragment in error_of(invalid)[2]


def test_put_attribute_mapping_replaces_the_field(localaws, rolesanywhere):
    profile = create_profile(rolesanywhere, localaws.account_id)
    updated = rolesanywhere.put_attribute_mapping(
        profileId=profile["profileId"],
        certificateField="x509Subject",
        mappingRules=[{"specifier": "CN"}, {"specifier": "OU"}],
    )["profile"]
    mappings = {item["certificateField"]: item["mappingRules"] for item in updated["attributeMappings"]}
    assert mappings["x509Subject"] == [{"specifier": "CN"}, {"specifier": "OU"}]
    assert mappings["x509Issuer"] == [{"specifier": "*"}]
    assert (
        rolesanywhere.get_profile(profileId=profile["profileId"])["profile"]["attributeMappings"]
        == updated["attributeMappings"]
    )


def test_delete_attribute_mapping_specifiers_and_whole_field(localaws, rolesanywhere):
    profile = create_profile(rolesanywhere, localaws.account_id)
    after_specifier = rolesanywhere.delete_attribute_mapping(
        profileId=profile["profileId"], certificateField="x509SAN", specifiers=["URI", "Name/*"]
    )["profile"]
    mappings = {item["certificateField"]: item["mappingRules"] for item in after_specifier["attributeMappings"]}
    assert mappings["x509SAN"] == [{"specifier": "DNS"}]
    after_field = rolesanywhere.delete_attribute_mapping(profileId=profile["profileId"], certificateField="x509Issuer")[
        "profile"
    ]
    assert [item["certificateField"] for item in after_field["attributeMappings"]] == ["x509Subject", "x509SAN"]


def test_attribute_mapping_validation_and_not_found(raw_rolesanywhere, rolesanywhere):
    with pytest.raises(raw_rolesanywhere.exceptions.ValidationException) as invalid:
        raw_rolesanywhere.put_attribute_mapping(
            profileId=MISSING_ID, certificateField="x509Nope", mappingRules=[{"specifier": "CN"}]
        )
    assert "Member must satisfy enum value set: [x509Subject, x509Issuer, x509SAN]" in error_of(invalid)[2]
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException):
        rolesanywhere.put_attribute_mapping(profileId=MISSING_ID, certificateField="x509Subject", mappingRules=[])
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException):
        rolesanywhere.delete_attribute_mapping(profileId=MISSING_ID, certificateField="x509Subject")


def test_create_profile_needs_pass_role(localaws):
    name = unique_name("profile-admin")
    role = role_arn(localaws.account_id, "passable")
    no_pass = localaws.create_user(
        name,
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "rolesanywhere:*", "Resource": "*"}]},
    )
    client = localaws.client(
        "rolesanywhere", access_key_id=no_pass["access_key_id"], secret_access_key=no_pass["secret_access_key"]
    )
    with pytest.raises(client.exceptions.AccessDeniedException) as denied:
        client.create_profile(name="needs-pass-role", roleArns=[role])
    assert "iam:PassRole" in error_of(denied)[2]
    with_pass = localaws.create_user(
        name + "-pass",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "rolesanywhere:*", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": role,
                    "Condition": {"StringEquals": {"iam:PassedToService": "rolesanywhere.amazonaws.com"}},
                },
            ],
        },
    )
    client = localaws.client(
        "rolesanywhere", access_key_id=with_pass["access_key_id"], secret_access_key=with_pass["secret_access_key"]
    )
    profile = client.create_profile(name="has-pass-role", roleArns=[role])["profile"]
    assert profile["createdBy"] == with_pass["arn"]


def test_pass_role_conditions_decide_whether_statements_apply(localaws):
    role = role_arn(localaws.account_id, "conditional")
    wrong_service = localaws.create_user(
        unique_name("wrong-service"),
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "rolesanywhere:*", "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                },
            ],
        },
    )
    client = localaws.client(
        "rolesanywhere",
        access_key_id=wrong_service["access_key_id"],
        secret_access_key=wrong_service["secret_access_key"],
    )
    with pytest.raises(client.exceptions.AccessDeniedException) as denied:
        client.create_profile(name="wrong-service", roleArns=[role])
    assert "no identity-based policy allows the iam:PassRole action" in error_of(denied)[2]
    deny_elsewhere = localaws.create_user(
        unique_name("deny-elsewhere"),
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "iam:PassRole",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                },
            ],
        },
    )
    client = localaws.client(
        "rolesanywhere",
        access_key_id=deny_elsewhere["access_key_id"],
        secret_access_key=deny_elsewhere["secret_access_key"],
    )
    assert client.create_profile(name="deny-elsewhere", roleArns=[role])["profile"]["roleArns"] == [role]
