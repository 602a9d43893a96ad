"""The SigV4-X509 signer: canonical request, string to sign, Authorization header and signatures, both backends."""

import base64
import datetime
import hashlib
import json
import shutil
import urllib.parse

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import sigv4x509
from support.x509 import Chain, key_pem_bytes, new_key

ACCOUNT = "123456789012"
TRUST_ANCHOR = "arn:aws:rolesanywhere:eu-west-1:%s:trust-anchor/0d7a4b1e-6f3c-4a57-9d2e-1b8f0c9e2a11" % ACCOUNT
PROFILE = "arn:aws:rolesanywhere:eu-west-1:%s:profile/5c1e9f20-3b7d-4e0a-8c6f-2d4b9a7e1f33" % ACCOUNT
ROLE = "arn:aws:iam::%s:role/redshift-reader" % ACCOUNT
NOW = datetime.datetime(2026, 11, 25, 20, 0, 0, tzinfo=datetime.timezone.utc)

BACKENDS = ["cryptography"] + (["openssl"] if shutil.which("openssl") else [])

# Written out by hand from the SigV4 rules: sorted, %-encoded query; lower-case sorted headers with
# collapsed whitespace; User-Agent left out; a blank line; the signed header list; the body's SHA-256.
VECTOR_CANONICAL = (
    "POST\n"
    "/sessions\n"
    "profileArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Aprofile%2Fp-1"
    "&roleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fredshift%20reader"
    "&trustAnchorArn=arn%3Aaws%3Arolesanywhere%3Aus-east-1%3A123456789012%3Atrust-anchor%2Fta-1\n"
    "content-type:application/json\n"
    "host:rolesanywhere.us-east-1.amazonaws.com\n"
    "x-amz-date:20261125T200000Z\n"
    "x-amz-x509:MIIB abc\n"
    "\n"
    "content-type;host;x-amz-date;x-amz-x509\n"
    "1a15f67f6619aa540b13e9a4c37d149fb2c9bdea25d82b73a3878826694dfe27"
)
VECTOR_STRING_TO_SIGN = (
    "AWS4-X509-ECDSA-SHA256\n"
    "20261125T200000Z\n"
    "20261125/us-east-1/rolesanywhere/aws4_request\n"
    "6765d388fa2058876218a3a54349cb1b01dcacf911078b0f8302fbfb799e35bd"
)


def test_canonical_request_matches_hand_computed_vector():
    query = {
        "trustAnchorArn": "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/ta-1",
        "roleArn": "arn:aws:iam::123456789012:role/redshift reader",
        "profileArn": "arn:aws:rolesanywhere:us-east-1:123456789012:profile/p-1",
    }
    headers = {
        "X-Amz-X509": "  MIIB   abc ",
        "Content-Type": "application/json",
        "User-Agent": "not-signed/1.0",
        "Host": "rolesanywhere.us-east-1.amazonaws.com",
        "X-Amz-Date": "20261125T200000Z",
    }
    canonical, signed = sigv4x509.canonical_request("POST", "/sessions", query, headers, b'{"durationSeconds":3600}')
    assert canonical == VECTOR_CANONICAL
    assert signed == "content-type;host;x-amz-date;x-amz-x509"
    scope = sigv4x509.credential_scope("20261125T200000Z", "us-east-1")
    assert (
        sigv4x509.string_to_sign("AWS4-X509-ECDSA-SHA256", "20261125T200000Z", scope, canonical)
        == VECTOR_STRING_TO_SIGN
    )


def _independent_string_to_sign(url, headers, body):
    """Rebuild the string to sign from what goes on the wire, the way a server would."""
    parts = urllib.parse.urlsplit(url)
    pairs = sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query = "&".join(
        "%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~")) for k, v in pairs
    )
    authorization = headers["Authorization"]
    algorithm, _space, rest = authorization.partition(" ")
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    signed = fields["SignedHeaders"].split(";")
    lower = {name.lower(): value for name, value in headers.items()}
    header_block = "".join("%s:%s\n" % (name, lower[name].strip()) for name in signed)
    canonical = "\n".join(["POST", parts.path, query, header_block, ";".join(signed), hashlib.sha256(body).hexdigest()])
    serial, scope = fields["Credential"].split("/", 1)
    to_sign = "\n".join([algorithm, headers["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()])
    return algorithm, int(serial), scope, signed, to_sign.encode(), bytes.fromhex(fields["Signature"])


def _verify(public_key, signature, data):
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))


def _sign(pki, backend, **overrides):
    arguments = dict(
        endpoint=None,
        region=None,
        trust_anchor_arn=TRUST_ANCHOR,
        profile_arn=PROFILE,
        role_arn=ROLE,
        certificate_pem=pki.leaf_pem,
        private_key_pem=pki.leaf_key_pem(),
        intermediates_pem=pki.intermediates_pem,
        now=NOW,
        backend=backend,
    )
    arguments.update(overrides)
    return sigv4x509.sign_create_session(**arguments)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind,algorithm", [("rsa", "AWS4-X509-RSA-SHA256"), ("ec", "AWS4-X509-ECDSA-SHA256")])
def test_signature_verifies_with_the_certificate_key(backend, kind, algorithm):
    pki = Chain(leaf_kind=kind, with_intermediate=True, leaf_serial=0x00F1E2D3C4B5A69788)
    url, headers, body = _sign(pki, backend)

    signed_algorithm, serial, scope, signed, to_sign, signature = _independent_string_to_sign(url, headers, body)
    assert signed_algorithm == algorithm
    assert serial == 0xF1E2D3C4B5A69788
    assert "Credential=%d/" % 0xF1E2D3C4B5A69788 in headers["Authorization"]
    assert scope == "20261125/eu-west-1/rolesanywhere/aws4_request"
    assert signed == ["content-type", "host", "x-amz-date", "x-amz-x509", "x-amz-x509-chain"]
    assert signature.hex() == headers["Authorization"].rsplit("Signature=", 1)[1]
    _verify(pki.leaf.public_key(), signature, to_sign)


def test_request_shape_follows_the_official_helper():
    pki = Chain(leaf_kind="ec", with_intermediate=True)
    url, headers, body = _sign(pki, "cryptography", duration_seconds=900, role_session_name="batch-7")
    parts = urllib.parse.urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "rolesanywhere.eu-west-1.amazonaws.com", "/sessions")
    assert dict(urllib.parse.parse_qsl(parts.query)) == {
        "trustAnchorArn": TRUST_ANCHOR,
        "profileArn": PROFILE,
        "roleArn": ROLE,
    }
    assert json.loads(body) == {"durationSeconds": 900, "roleSessionName": "batch-7"}
    assert headers["Host"] == "rolesanywhere.eu-west-1.amazonaws.com"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Amz-Date"] == "20261125T200000Z"
    assert base64.b64decode(headers["X-Amz-X509"]) == x509.load_pem_x509_certificate(pki.leaf_pem).public_bytes(
        encoding=serialization.Encoding.DER
    )
    chain = [x509.load_der_x509_certificate(base64.b64decode(item)) for item in headers["X-Amz-X509-Chain"].split(",")]
    assert chain == [pki.intermediate]


def test_arns_in_body_and_custom_endpoint_with_port():
    pki = Chain(leaf_kind="ec")
    url, headers, body = _sign(
        pki, "cryptography", arns_in="body", endpoint="http://127.0.0.1:4566/", region="us-east-2"
    )
    assert url == "http://127.0.0.1:4566/sessions"
    assert headers["Host"] == "127.0.0.1:4566"
    assert "X-Amz-X509-Chain" not in headers
    assert json.loads(body) == {
        "durationSeconds": 3600,
        "trustAnchorArn": TRUST_ANCHOR,
        "profileArn": PROFILE,
        "roleArn": ROLE,
    }
    _algorithm, _serial, scope, signed, to_sign, signature = _independent_string_to_sign(url, headers, body)
    assert scope == "20261125/us-east-2/rolesanywhere/aws4_request"
    assert signed == ["content-type", "host", "x-amz-date", "x-amz-x509"]
    _verify(pki.leaf.public_key(), signature, to_sign)


@pytest.mark.parametrize("backend", BACKENDS)
def test_traditional_key_formats_and_der_certificate(backend):
    pki = Chain(leaf_kind="rsa")
    der = x509.load_pem_x509_certificate(pki.leaf_pem).public_bytes(serialization.Encoding.DER)
    url, headers, body = _sign(pki, backend, certificate_pem=der, private_key_pem=pki.leaf_key_pem("traditional"))
    _algorithm, _serial, _scope, _signed, to_sign, signature = _independent_string_to_sign(url, headers, body)
    _verify(pki.leaf.public_key(), signature, to_sign)


@pytest.mark.parametrize("backend", BACKENDS)
def test_key_that_does_not_match_the_certificate_is_refused(backend):
    pki = Chain(leaf_kind="ec")
    with pytest.raises(sigv4x509.SigningError, match="does not match the certificate"):
        _sign(pki, backend, private_key_pem=key_pem_bytes(new_key("ec")))


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("trust_anchor_arn", "arn:aws:iam::123456789012:role/x", "trust_anchor_arn"),
        ("profile_arn", TRUST_ANCHOR, "profile_arn"),
        ("role_arn", "redshift-reader", "role_arn"),
        ("duration_seconds", 899, "duration_seconds"),
        ("duration_seconds", 43201, "duration_seconds"),
        ("arns_in", "header", "arns_in"),
        ("endpoint", "ftp://example.test", "endpoint"),
        ("role_session_name", "has space", "role_session_name"),
        ("certificate_pem", b"not a certificate", "certificate_pem"),
        ("private_key_pem", b"not a key", "private_key_pem"),
    ],
)
def test_invalid_input_names_the_field(field, value, message):
    pki = Chain(leaf_kind="ec")
    with pytest.raises(sigv4x509.SigningError, match=message):
        _sign(pki, "cryptography", **{field: value})


def test_too_deep_chain_is_refused():
    pki = Chain(leaf_kind="ec", with_intermediate=True)
    with pytest.raises(sigv4x509.SigningError, match="at most 5"):
        _sign(pki, "cryptography", intermediates_pem=pki.intermediates_pem * 6)


def test_region_defaults_to_the_trust_anchor_region_and_serial_is_decimal():
    pki = Chain(leaf_kind="ec", leaf_serial=1234567890123456789012345)
    _url, headers, _body = _sign(pki, "cryptography")
    assert (
        "Credential=1234567890123456789012345/20261125/eu-west-1/rolesanywhere/aws4_request,"
        in headers["Authorization"]
    )


def test_certificate_facts_reads_serial_and_key_type():
    pki = Chain(leaf_kind="rsa", leaf_serial=42)
    der = base64.b64decode(b"".join(pki.leaf_pem.splitlines()[1:-1]))
    serial, oid, spki = sigv4x509.certificate_facts(der)
    assert serial == 42
    assert sigv4x509.algorithm_for_key_oid(oid) == "AWS4-X509-RSA-SHA256"
    assert spki == pki.leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_error_answers_become_session_errors():
    error = sigv4x509._error_from_http(
        403,
        {"x-amzn-ErrorType": "AccessDeniedException:http://internal.amazon.com/"},
        b'{"message":"Untrusted signing certificate"}',
    )
    assert (error.status, error.code, error.message) == (403, "AccessDeniedException", "Untrusted signing certificate")
    error = sigv4x509._error_from_http(400, {}, b'{"__type":"com.amazon#ValidationException","message":"bad"}')
    assert (error.code, error.message) == ("ValidationException", "bad")


def test_session_credentials_requires_every_field():
    with pytest.raises(sigv4x509.SessionError, match="lacks credentials"):
        sigv4x509.session_credentials({"credentialSet": [{"credentials": {"accessKeyId": "A"}}]})
