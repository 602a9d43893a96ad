"""Trust anchors and their notification settings through boto3, against the stand-in."""

import re

import pytest
from control_plane_testlib import NO_CLIENT_VALIDATION, TestCa, bundle_source, error_of, unique_name

UUID = re.compile(r"^[a-f0-9]{8}-([a-f0-9]{4}-){3}[a-f0-9]{12}$")


@pytest.fixture(scope="module")
def ca():
    return TestCa()


@pytest.fixture(scope="module")
def rolesanywhere(localaws):
    return localaws.client("rolesanywhere")


@pytest.fixture(scope="module")
def raw_rolesanywhere(localaws):
    return localaws.client("rolesanywhere", config=NO_CLIENT_VALIDATION)


def create_anchor(client, ca, **extra):
    return client.create_trust_anchor(name=unique_name("ta"), source=bundle_source(ca), **extra)["trustAnchor"]


def test_create_returns_the_detail_with_ids_arn_defaults_and_timestamps(localaws, rolesanywhere, ca):
    response = rolesanywhere.create_trust_anchor(name="Test anchor 1", source=bundle_source(ca))
    anchor = response["trustAnchor"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert UUID.match(anchor["trustAnchorId"])
    assert anchor["trustAnchorArn"] == "arn:aws:rolesanywhere:%s:%s:trust-anchor/%s" % (
        localaws.region,
        localaws.account_id,
        anchor["trustAnchorId"],
    )
    assert anchor["name"] == "Test anchor 1"
    assert anchor["source"] == bundle_source(ca)
    assert anchor["enabled"] is False
    assert anchor["createdAt"] == anchor["updatedAt"]
    assert anchor["createdAt"].tzinfo is not None
    assert sorted(anchor["notificationSettings"], key=lambda item: item["event"]) == [
        {
            "enabled": True,
            "event": "CA_CERTIFICATE_EXPIRY",
            "threshold": 45,
            "channel": "ALL",
            "configuredBy": "rolesanywhere.amazonaws.com",
        },
        {
            "enabled": True,
            "event": "END_ENTITY_CERTIFICATE_EXPIRY",
            "threshold": 45,
            "channel": "ALL",
            "configuredBy": "rolesanywhere.amazonaws.com",
        },
    ]


def test_create_enabled_with_custom_notification_setting(localaws, rolesanywhere, ca):
    anchor = create_anchor(
        rolesanywhere,
        ca,
        enabled=True,
        notificationSettings=[{"enabled": True, "event": "END_ENTITY_CERTIFICATE_EXPIRY", "threshold": 10}],
    )
    settings = {item["event"]: item for item in anchor["notificationSettings"]}
    assert anchor["enabled"] is True
    assert settings["END_ENTITY_CERTIFICATE_EXPIRY"] == {
        "enabled": True,
        "event": "END_ENTITY_CERTIFICATE_EXPIRY",
        "threshold": 10,
        "channel": "ALL",
        "configuredBy": localaws.account_id,
    }
    assert settings["CA_CERTIFICATE_EXPIRY"]["configuredBy"] == "rolesanywhere.amazonaws.com"


def test_get_by_id_and_by_arn(rolesanywhere, ca):
    anchor = create_anchor(rolesanywhere, ca)
    assert rolesanywhere.get_trust_anchor(trustAnchorId=anchor["trustAnchorId"])["trustAnchor"] == anchor
    assert rolesanywhere.get_trust_anchor(trustAnchorId=anchor["trustAnchorArn"])["trustAnchor"] == anchor


def test_list_contains_created_anchor(rolesanywhere, ca):
    anchor = create_anchor(rolesanywhere, ca)
    pages = rolesanywhere.get_paginator("list_trust_anchors").paginate()
    listed = [item for page in pages for item in page["trustAnchors"]]
    assert anchor in listed


def test_update_changes_name_and_source_but_not_enabled(rolesanywhere, ca):
    anchor = create_anchor(rolesanywhere, ca, enabled=True)
    other_ca = TestCa("Other CA")
    updated = rolesanywhere.update_trust_anchor(
        trustAnchorId=anchor["trustAnchorId"], name="renamed", source=bundle_source(other_ca)
    )["trustAnchor"]
    assert updated["name"] == "renamed"
    assert updated["source"] == bundle_source(other_ca)
    assert updated["enabled"] is True
    assert updated["createdAt"] == anchor["createdAt"]
    assert updated["updatedAt"] >= anchor["updatedAt"]
    assert rolesanywhere.get_trust_anchor(trustAnchorId=anchor["trustAnchorId"])["trustAnchor"] == updated


def test_enable_and_disable(rolesanywhere, ca):
    anchor = create_anchor(rolesanywhere, ca)
    assert rolesanywhere.enable_trust_anchor(trustAnchorId=anchor["trustAnchorId"])["trustAnchor"]["enabled"] is True
    assert rolesanywhere.get_trust_anchor(trustAnchorId=anchor["trustAnchorId"])["trustAnchor"]["enabled"] is True
    assert rolesanywhere.disable_trust_anchor(trustAnchorId=anchor["trustAnchorId"])["trustAnchor"]["enabled"] is False


def test_delete_returns_the_anchor_and_then_it_is_gone(rolesanywhere, ca):
    anchor = create_anchor(rolesanywhere, ca)
    assert (
        rolesanywhere.delete_trust_anchor(trustAnchorId=anchor["trustAnchorId"])["trustAnchor"]["trustAnchorId"]
        == anchor["trustAnchorId"]
    )
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException) as gone:
        rolesanywhere.get_trust_anchor(trustAnchorId=anchor["trustAnchorId"])
    assert error_of(gone)[:2] == ("ResourceNotFoundException", 404)
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException):
        rolesanywhere.delete_trust_anchor(trustAnchorId=anchor["trustAnchorId"])


@pytest.mark.parametrize(
    "operation",
    ["get_trust_anchor", "delete_trust_anchor", "enable_trust_anchor", "disable_trust_anchor", "update_trust_anchor"],
)
def test_unknown_id_is_not_found(rolesanywhere, operation):
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException) as missing:
        getattr(rolesanywhere, operation)(trustAnchorId="0f0f0f0f-0000-4000-8000-000000000000")
    assert error_of(missing)[:2] == ("ResourceNotFoundException", 404)


@pytest.mark.parametrize(
    "name, constraint",
    [
        ("x" * 256, "Member must have length less than or equal to 255"),
        ("bad.name", "Member must satisfy regular expression pattern: [ a-zA-Z0-9-_]*"),
        ("", "Member must have length greater than or equal to 1"),
    ],
)
def test_name_constraints_from_the_model(raw_rolesanywhere, ca, name, constraint):
    with pytest.raises(raw_rolesanywhere.exceptions.ValidationException) as invalid:
        raw_rolesanywhere.create_trust_anchor(name=name, source=bundle_source(ca))
    code, status, message = error_of(invalid)
    assert (code, status) == ("ValidationException", 400)
    assert "at 'name' failed to satisfy constraint: " + constraint in message


def test_missing_required_members_are_listed(raw_rolesanywhere):
    with pytest.raises(raw_rolesanywhere.exceptions.ValidationException) as invalid:
        raw_rolesanywhere.create_trust_anchor()
    message = error_of(invalid)[2]
    assert message.startswith("2 validation errors detected: ")
    assert "Value null at 'name' failed to satisfy constraint: Member must not be null" in message
    assert "Value null at 'source' failed to satisfy constraint: Member must not be null" in message


def test_source_type_enum(raw_rolesanywhere, ca):
    source = {"sourceType": "CertificateAuthority", "sourceData": {"x509CertificateData": ca.pem}}
    with pytest.raises(raw_rolesanywhere.exceptions.ValidationException) as invalid:
        raw_rolesanywhere.create_trust_anchor(name="enum", source=source)
    assert (
        "Member must satisfy enum value set: [AWS_ACM_PCA, CERTIFICATE_BUNDLE, SELF_SIGNED_REPOSITORY]"
        in error_of(invalid)[2]
    )


@pytest.mark.parametrize(
    "source, fragment",
    [
        (
            {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": "not a certificate"}},
            "x509CertificateData",
        ),
        ({"sourceType": "SELF_SIGNED_REPOSITORY", "sourceData": {"x509CertificateData": "x"}}, "not supported"),
        (
            {
                "sourceType": "AWS_ACM_PCA",
                "sourceData": {
                    "acmPcaArn": "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/00000000-0000-0000-0000-000000000000"
                },
            },
            "acmPcaArn",
        ),
        (
            {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": "x", "acmPcaArn": "y"}},
            "exactly one",
        ),
    ],
)
def test_source_contents_are_checked(raw_rolesanywhere, source, fragment):
    with pytest.raises(raw_rolesanywhere.exceptions.ValidationException) as invalid:
        raw_rolesanywhere.create_trust_anchor(name="bad-source", source=source)
    assert fragment in error_of(invalid)[2]


def test_malformed_id_is_a_validation_error(raw_rolesanywhere):
    with pytest.raises(raw_rolesanywhere.exceptions.ValidationException) as invalid:
        raw_rolesanywhere.get_trust_anchor(trustAnchorId="not-a-uuid")
    assert (
        "at 'trustAnchorId' failed to satisfy constraint: Member must satisfy regular expression pattern"
        in error_of(invalid)[2]
    )


def test_acm_pca_source_accepts_an_existing_private_ca(localaws, rolesanywhere):
    acm_pca = localaws.client("acm-pca")
    ca_arn = acm_pca.create_certificate_authority(
        CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048",
            "SigningAlgorithm": "SHA256WITHRSA",
            "Subject": {"CommonName": "pca.example.test"},
        },
        CertificateAuthorityType="ROOT",
    )["CertificateAuthorityArn"]
    source = {"sourceType": "AWS_ACM_PCA", "sourceData": {"acmPcaArn": ca_arn}}
    anchor = rolesanywhere.create_trust_anchor(name="pca", source=source)["trustAnchor"]
    assert anchor["source"] == source


@pytest.mark.parametrize(
    "threshold, constraint", [(0, "greater than or equal to 1"), (361, "less than or equal to 360")]
)
def test_notification_threshold_range(raw_rolesanywhere, ca, threshold, constraint):
    with pytest.raises(raw_rolesanywhere.exceptions.ValidationException) as invalid:
        raw_rolesanywhere.create_trust_anchor(
            name="thresholds",
            source=bundle_source(ca),
            notificationSettings=[{"enabled": True, "event": "CA_CERTIFICATE_EXPIRY", "threshold": threshold}],
        )
    assert (
        "at 'notificationSettings.1.member.threshold' failed to satisfy constraint: Member must have value "
        + constraint
        in error_of(invalid)[2]
    )


def test_put_and_reset_notification_settings(localaws, rolesanywhere, ca):
    anchor = create_anchor(rolesanywhere, ca)
    put = rolesanywhere.put_notification_settings(
        trustAnchorId=anchor["trustAnchorId"],
        notificationSettings=[
            {"enabled": False, "event": "CA_CERTIFICATE_EXPIRY"},
            {"enabled": True, "event": "END_ENTITY_CERTIFICATE_EXPIRY", "threshold": 7, "channel": "ALL"},
        ],
    )["trustAnchor"]
    settings = {item["event"]: item for item in put["notificationSettings"]}
    assert settings["CA_CERTIFICATE_EXPIRY"] == {
        "enabled": False,
        "event": "CA_CERTIFICATE_EXPIRY",
        "threshold": 45,
        "channel": "ALL",
        "configuredBy": localaws.account_id,
    }
    assert settings["END_ENTITY_CERTIFICATE_EXPIRY"]["threshold"] == 7
    reset = rolesanywhere.reset_notification_settings(
        trustAnchorId=anchor["trustAnchorId"], notificationSettingKeys=[{"event": "CA_CERTIFICATE_EXPIRY"}]
    )["trustAnchor"]
    settings = {item["event"]: item for item in reset["notificationSettings"]}
    assert settings["CA_CERTIFICATE_EXPIRY"] == {
        "enabled": True,
        "event": "CA_CERTIFICATE_EXPIRY",
        "threshold": 45,
        "channel": "ALL",
        "configuredBy": "rolesanywhere.amazonaws.com",
    }
    assert settings["END_ENTITY_CERTIFICATE_EXPIRY"]["threshold"] == 7


def test_enabled_notification_setting_needs_a_threshold(rolesanywhere, ca):
    anchor = create_anchor(rolesanywhere, ca)
    with pytest.raises(rolesanywhere.exceptions.ValidationException) as invalid:
        rolesanywhere.put_notification_settings(
            trustAnchorId=anchor["trustAnchorId"],
            notificationSettings=[{"enabled": True, "event": "CA_CERTIFICATE_EXPIRY"}],
        )
    assert "threshold" in error_of(invalid)[2]


def test_notification_settings_of_unknown_anchor(rolesanywhere):
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException):
        rolesanywhere.put_notification_settings(
            trustAnchorId="0f0f0f0f-0000-4000-8000-000000000000", notificationSettings=[]
        )
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException):
        rolesanywhere.reset_notification_settings(
            trustAnchorId="0f0f0f0f-0000-4000-8000-000000000000", notificationSettingKeys=[]
        )


def test_alias_is_unique_usable_as_identifier_and_reported_when_changed(localaws, rolesanywhere, ca):
    alias = unique_name("anchors/site-a")
    anchor = create_anchor(rolesanywhere, ca, aliasName=alias)
    assert anchor["aliasArn"] == "arn:aws:rolesanywhere:%s:%s:alias/trust-anchor/%s" % (
        localaws.region,
        localaws.account_id,
        alias,
    )
    assert (
        rolesanywhere.get_trust_anchor(trustAnchorId=anchor["aliasArn"])["trustAnchor"]["trustAnchorId"]
        == anchor["trustAnchorId"]
    )
    with pytest.raises(rolesanywhere.exceptions.ValidationException):
        create_anchor(rolesanywhere, ca, aliasName=alias)
    updated = rolesanywhere.update_trust_anchor(trustAnchorId=anchor["trustAnchorId"], aliasName="")["trustAnchor"]
    assert updated["previousAliasName"] == alias
    assert "aliasName" not in updated
    assert (
        "previousAliasName" not in rolesanywhere.get_trust_anchor(trustAnchorId=anchor["trustAnchorId"])["trustAnchor"]
    )


def test_reserved_alias_prefix(rolesanywhere, ca):
    with pytest.raises(rolesanywhere.exceptions.ValidationException):
        create_anchor(rolesanywhere, ca, aliasName="AWS/mine")


def _names(client):
    return {
        item["name"] for page in client.get_paginator("list_trust_anchors").paginate() for item in page["trustAnchors"]
    }


@pytest.mark.parametrize(
    "extra",
    [
        {"tags": [{"key": "aws:reserved", "value": "x"}]},
        {"notificationSettings": [{"enabled": True, "event": "CA_CERTIFICATE_EXPIRY"}]},
        {"aliasName": "aws/reserved"},
    ],
)
def test_a_refused_create_leaves_nothing_behind(rolesanywhere, ca, extra):
    name = unique_name("refused")
    with pytest.raises(rolesanywhere.exceptions.ValidationException):
        rolesanywhere.create_trust_anchor(name=name, source=bundle_source(ca), **extra)
    assert name not in _names(rolesanywhere)


def test_a_refused_update_changes_nothing(rolesanywhere, ca):
    taken = create_anchor(rolesanywhere, ca, aliasName=unique_name("taken"))
    anchor = create_anchor(rolesanywhere, ca)
    with pytest.raises(rolesanywhere.exceptions.ValidationException):
        rolesanywhere.update_trust_anchor(
            trustAnchorId=anchor["trustAnchorId"], name="changed", aliasName=taken["aliasName"]
        )
    assert rolesanywhere.get_trust_anchor(trustAnchorId=anchor["trustAnchorId"])["trustAnchor"] == anchor
    with pytest.raises(rolesanywhere.exceptions.ValidationException):
        rolesanywhere.put_notification_settings(
            trustAnchorId=anchor["trustAnchorId"],
            notificationSettings=[
                {"enabled": False, "event": "CA_CERTIFICATE_EXPIRY"},
                {"enabled": True, "event": "END_ENTITY_CERTIFICATE_EXPIRY"},
            ],
        )
    assert rolesanywhere.get_trust_anchor(trustAnchorId=anchor["trustAnchorId"])["trustAnchor"] == anchor
