"""CreateSession: SigV4-X509 acceptance (key types, ARN placement) and every signature denial."""

from __future__ import annotations

import datetime
import re

import pytest
import session_client
from cryptography.hazmat.primitives.serialization import Encoding
from session_world import World

EXPECTED_MEMBER_KEYS = {"assumedRoleUser", "credentials", "packedPolicySize", "roleArn", "sourceIdentity"}


@pytest.fixture(name="world")
def world_fixture(localaws):
    return World(localaws)


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def hex_serial(leaf) -> str:
    serial = leaf.certificate.serial_number
    return serial.to_bytes((serial.bit_length() + 7) // 8, "big").hex()


def assert_denied(response, status, error_type, message_fragment):
    assert (response.status, response.error_type) == (status, error_type), response.document
    assert message_fragment in response.document["message"]


@pytest.mark.parametrize("key_type", ["rsa", "ec", "mldsa"])
def test_each_key_type_signs_a_session(localaws, key_type):
    world = World(localaws, key_type=key_type)
    leaf = world.issue(key_type=key_type)
    response = world.create_session(leaf)
    assert response.status == 201, response.document
    assert world.last_outcome(leaf.certificate.serial_number)["outcome"] == "success"


@pytest.mark.parametrize("arns_in", ["query", "body"])
def test_arns_are_accepted_in_query_and_body(world, arns_in):
    response = world.create_session(arns_in=arns_in)
    assert response.status == 201, response.document
    assert response.document["credentialSet"][0]["roleArn"] == world.role_arn


def test_success_has_exactly_the_service_response_shape(world):
    leaf = world.issue("shape.example.com")
    response = world.create_session(leaf)
    assert response.status == 201
    assert set(response.document) == {"credentialSet", "subjectArn"}
    (member,) = response.document["credentialSet"]
    assert set(member) == EXPECTED_MEMBER_KEYS
    assert set(member["credentials"]) == {"accessKeyId", "secretAccessKey", "sessionToken", "expiration"}
    assert set(member["assumedRoleUser"]) == {"arn", "assumedRoleId"}
    assert member["credentials"]["accessKeyId"].startswith("ASIA")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", member["credentials"]["expiration"])
    role_name = world.role_arn.split("/")[-1]
    assert member["assumedRoleUser"]["arn"].endswith(f":assumed-role/{role_name}/{hex_serial(leaf)}")
    assert member["assumedRoleUser"]["assumedRoleId"].endswith(f":{hex_serial(leaf)}")
    assert member["sourceIdentity"] == "CN=shape.example.com"
    assert isinstance(member["packedPolicySize"], int)
    assert re.fullmatch(
        rf"arn:aws:rolesanywhere:{world.localaws.region}:\d{{12}}:subject/[0-9a-f-]{{36}}",
        response.document["subjectArn"],
    )


def test_success_records_the_subject_and_its_certificate(world):
    leaf = world.issue("recorded.example.com")
    subject_arn = world.create_session(leaf).document["subjectArn"]
    assert world.create_session(leaf).document["subjectArn"] == subject_arn
    subject = world.rolesanywhere.get_subject(subjectId=subject_arn.rsplit("/", 1)[1])["subject"]
    assert subject["x509Subject"] == leaf.certificate.subject.rfc4514_string()
    (credential,) = subject["credentials"]
    assert credential["serialNumber"] == str(leaf.certificate.serial_number)
    assert credential["failed"] is False
    # The service model's name for the certificate the subject used (CredentialSummary.x509CertificateData).
    assert credential["x509CertificateData"] == leaf.certificate.public_bytes(Encoding.PEM).decode("ascii")


def test_success_is_logged(world):
    leaf = world.issue()
    world.create_session(leaf)
    outcome = world.last_outcome(leaf.certificate.serial_number)
    assert outcome["outcome"] == "success"
    assert (outcome["trustAnchorArn"], outcome["profileArn"], outcome["roleArn"]) == (
        world.trust_anchor_arn,
        world.profile_arn,
        world.role_arn,
    )


def test_tampered_signature_is_denied(world):
    leaf = world.issue()
    request = world.build(leaf)
    algorithm_and_rest, signature = request.headers["Authorization"].rsplit("Signature=", 1)
    flipped = format(int(signature[:2], 16) ^ 0x01, "02x") + signature[2:]
    request.headers["Authorization"] = f"{algorithm_and_rest}Signature={flipped}"
    assert_denied(session_client.send(request), 403, "AccessDeniedException", "Invalid signature")
    assert world.last_outcome(leaf.certificate.serial_number)["outcome"] == "denied"


def test_body_changed_after_signing_is_denied(world):
    request = world.build(world.issue(), duration_seconds=900)
    request.body = request.body.replace(b"900", b"901")
    assert_denied(session_client.send(request), 403, "AccessDeniedException", "Invalid signature")


def test_query_changed_after_signing_is_denied(world):
    other_role = world.create_role("other")
    request = world.build(world.issue())
    request.url = request.url.replace(session_client.uri_encode(world.role_arn), session_client.uri_encode(other_role))
    assert_denied(session_client.send(request), 403, "AccessDeniedException", "Invalid signature")


def test_certificate_swapped_after_signing_is_denied(world):
    signer, other = world.issue(), world.issue()
    request = world.build(signer)
    request.headers["X-Amz-X509"] = world.build(other).headers["X-Amz-X509"]
    assert_denied(session_client.send(request), 403, "AccessDeniedException", "Invalid signature")


def test_credential_serial_must_be_the_leaf_serial(world):
    leaf = world.issue()
    request = world.build(leaf)
    resigned = world.resign(leaf, request, serial_number=leaf.certificate.serial_number + 1)
    assert_denied(session_client.send(resigned), 403, "AccessDeniedException", "Invalid signature")


@pytest.mark.parametrize(
    "header, message",
    [
        ("x-amz-x509", "x-amz-x509 must be signed"),
        ("x-amz-date", "x-amz-date must be signed"),
        ("host", "'Host' or ':authority' must be a 'SignedHeader'"),
    ],
)
def test_identity_headers_must_be_signed(world, header, message):
    leaf = world.issue()
    request = world.resign(leaf, world.build(leaf), unsigned=(header,))
    assert_denied(session_client.send(request), 403, "AccessDeniedException", message)


def test_chain_header_must_be_signed_when_sent(world):
    intermediate = world.ca.intermediate("Issuing CA")
    leaf = intermediate.issue("chained.example.com")
    request = world.build(leaf, intermediates=[intermediate])
    unsigned = world.resign(leaf, request, unsigned=("x-amz-x509-chain",))
    assert_denied(session_client.send(unsigned), 403, "AccessDeniedException", "x-amz-x509-chain must be signed")


def test_stale_date_is_denied(world):
    stale = world.service_now() - datetime.timedelta(minutes=10)
    assert_denied(world.create_session(now=stale), 403, "AccessDeniedException", "Signature expired")


def test_date_from_the_future_is_denied(world):
    future = world.service_now() + datetime.timedelta(minutes=10)
    assert_denied(world.create_session(now=future), 403, "AccessDeniedException", "Signature not yet current")


def test_request_time_is_judged_by_the_service_clock(world):
    with world.clock_shifted(30 * 60):
        ahead = utcnow() + datetime.timedelta(minutes=30)
        assert world.create_session(now=ahead).status == 201
        assert_denied(world.create_session(now=utcnow()), 403, "AccessDeniedException", "Signature expired")


def test_scope_must_name_the_endpoint_region(world):
    assert_denied(world.create_session(region="eu-west-3"), 403, "AccessDeniedException", "valid region")


def test_algorithm_must_fit_the_key(world):
    leaf = world.issue(key_type="ec")
    request = world.build(leaf)
    request.headers["Authorization"] = request.headers["Authorization"].replace(
        "AWS4-X509-ECDSA-SHA256", "AWS4-X509-RSA-SHA256"
    )
    assert_denied(session_client.send(request), 403, "AccessDeniedException", "Invalid signature")


def test_missing_authorization_is_denied(world):
    request = world.build(world.issue())
    del request.headers["Authorization"]
    assert_denied(session_client.send(request), 403, "AccessDeniedException", "Missing Authentication Token")


@pytest.mark.parametrize("backend", ["cryptography", "openssl"])
@pytest.mark.parametrize("key_type", ["rsa", "ec"])
@pytest.mark.parametrize("arns_in", ["query", "body"])
def test_the_collection_signer_is_accepted(localaws, backend, key_type, arns_in):
    # The one place the stand-in's tests meet the collection's code, as a client only: the collection's tests put it
    # on sys.path (tests/conftest.py), so `make integration`, which runs both in one session, runs this; a run of
    # localaws/tests alone skips it. The package itself never imports the collection (test_independence.py).
    sigv4x509 = pytest.importorskip("ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.sigv4x509")
    world = World(localaws, key_type=key_type)
    intermediate = world.ca.intermediate("Issuing CA", key_type=key_type)
    leaf = intermediate.issue("collection-signer.example.com", key_type=key_type)
    url, headers, body = sigv4x509.sign_create_session(
        endpoint=world.localaws.endpoint,
        region=world.localaws.region,
        trust_anchor_arn=world.trust_anchor_arn,
        profile_arn=world.profile_arn,
        role_arn=world.role_arn,
        certificate_pem=leaf.certificate_pem,
        private_key_pem=leaf.private_key_pem,
        intermediates_pem=intermediate.certificate_pem,
        arns_in=arns_in,
        now=world.service_now(),
        backend=backend,
    )
    response = session_client.send(session_client.SignedRequest(url=url, headers=dict(headers), body=body))
    assert response.status == 201, response.document
