"""Certificate revocation lists and subjects through boto3, against the stand-in."""

import pytest
from control_plane_testlib import NO_CLIENT_VALIDATION, TestCa, bundle_source, error_of, unique_name

MISSING_ID = "0f0f0f0f-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def ca():
    return TestCa()


@pytest.fixture(scope="module")
def rolesanywhere(localaws):
    return localaws.client("rolesanywhere")


@pytest.fixture
def anchor(rolesanywhere, ca):
    return rolesanywhere.create_trust_anchor(name=unique_name("crl-anchor"), source=bundle_source(ca))["trustAnchor"]


def test_import_get_list_update_delete(localaws, rolesanywhere, ca, anchor):
    crl_pem = ca.crl_pem([1234])
    response = rolesanywhere.import_crl(name="revoked", crlData=crl_pem, trustAnchorArn=anchor["trustAnchorArn"])
    crl = response["crl"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert crl["crlArn"] == "arn:aws:rolesanywhere:%s:%s:crl/%s" % (localaws.region, localaws.account_id, crl["crlId"])
    assert (crl["name"], crl["crlData"], crl["trustAnchorArn"], crl["enabled"]) == (
        "revoked",
        crl_pem,
        anchor["trustAnchorArn"],
        False,
    )
    assert rolesanywhere.get_crl(crlId=crl["crlId"])["crl"] == crl
    listed = [item for page in rolesanywhere.get_paginator("list_crls").paginate() for item in page["crls"]]
    assert crl in listed
    newer = ca.crl_pem([1234, 5678])
    updated = rolesanywhere.update_crl(crlId=crl["crlId"], name="revoked-v2", crlData=newer)["crl"]
    assert (updated["name"], updated["crlData"]) == ("revoked-v2", newer)
    assert rolesanywhere.delete_crl(crlId=crl["crlArn"])["crl"]["crlId"] == crl["crlId"]
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException):
        rolesanywhere.get_crl(crlId=crl["crlId"])


def test_enable_and_disable(rolesanywhere, ca, anchor):
    crl = rolesanywhere.import_crl(
        name="toggle", crlData=ca.crl_pem(), trustAnchorArn=anchor["trustAnchorArn"], enabled=True
    )["crl"]
    assert crl["enabled"] is True
    assert rolesanywhere.disable_crl(crlId=crl["crlId"])["crl"]["enabled"] is False
    assert rolesanywhere.enable_crl(crlId=crl["crlId"])["crl"]["enabled"] is True


@pytest.mark.parametrize("operation", ["get_crl", "delete_crl", "enable_crl", "disable_crl", "update_crl"])
def test_unknown_id_is_not_found(rolesanywhere, operation):
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException) as missing:
        getattr(rolesanywhere, operation)(crlId=MISSING_ID)
    assert error_of(missing)[:2] == ("ResourceNotFoundException", 404)


def test_import_for_unknown_trust_anchor(localaws, rolesanywhere, ca):
    arn = "arn:aws:rolesanywhere:%s:%s:trust-anchor/%s" % (localaws.region, localaws.account_id, MISSING_ID)
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException):
        rolesanywhere.import_crl(name="orphan", crlData=ca.crl_pem(), trustAnchorArn=arn)


def test_crl_data_must_be_a_pem_crl(rolesanywhere, ca, anchor):
    with pytest.raises(rolesanywhere.exceptions.ValidationException) as invalid:
        rolesanywhere.import_crl(
            name="garbage", crlData=ca.pem.encode("ascii"), trustAnchorArn=anchor["trustAnchorArn"]
        )
    assert "crlData" in error_of(invalid)[2]


def test_crl_data_length_and_trust_anchor_arn_pattern(localaws, ca):
    client = localaws.client("rolesanywhere", config=NO_CLIENT_VALIDATION)
    with pytest.raises(client.exceptions.ValidationException) as invalid:
        client.import_crl(name="empty", crlData=b"", trustAnchorArn="arn:aws:iam::123456789012:role/x")
    message = error_of(invalid)[2]
    assert (
        "Value at 'crlData' failed to satisfy constraint: Member must have length greater than or equal to 1" in message
    )
    assert "at 'trustAnchorArn' failed to satisfy constraint: Member must satisfy regular expression pattern" in message


def test_subjects_list_and_unknown_subject(rolesanywhere):
    assert isinstance(rolesanywhere.list_subjects()["subjects"], list)
    with pytest.raises(rolesanywhere.exceptions.ResourceNotFoundException) as missing:
        rolesanywhere.get_subject(subjectId=MISSING_ID)
    assert error_of(missing)[:2] == ("ResourceNotFoundException", 404)
