"""Every certificate rule of the reference (section 4), positive and negative."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki
from support import x509 as t


def assert_rule(rule, func, *args, **kwargs):
    with pytest.raises(pki.CertificateRuleError) as err:
        func(*args, **kwargs)
    assert err.value.rule == rule, str(err.value)
    return str(err.value)


# --- loading -------------------------------------------------------------------------------------------


def test_load_certificates_reads_every_certificate_of_a_bundle():
    first, second = t.ca_certificate(cn="one"), t.ca_certificate(cn="two")
    certs = pki.load_certificates(t.pem(first) + t.pem(second))
    assert [c.subject for c in certs] == [first.subject, second.subject]


def test_load_certificates_accepts_bytes():
    cert = t.ca_certificate()
    assert pki.load_certificates(t.pem(cert).encode())[0] == cert


@pytest.mark.parametrize(
    "value", ["", "   \n", "not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
)
def test_load_certificates_names_the_field_when_input_is_bad(value):
    message = assert_rule("pem", pki.load_certificates, value, field="certificate_bundle")
    assert "certificate_bundle" in message


def test_load_certificates_refuses_der_bytes_with_a_hint():
    der = t.ca_certificate().public_bytes(serialization.Encoding.DER)
    message = assert_rule("pem", pki.load_certificates, der, field="ca_certificate")
    assert "ca_certificate" in message and "DER" in message


def test_load_certificates_refuses_non_text():
    assert "bundle" in assert_rule("pem", pki.load_certificates, 42, field="bundle")


def test_load_crl_round_trip_and_errors():
    ca_key = t.key("ec-p384")
    ca = t.ca_certificate(ca_key)
    crl = pki.load_crl(t.pem(t.crl(ca, ca_key, [5])))
    assert crl.get_revoked_certificate_by_serial_number(5) is not None
    assert "crl" in assert_rule("pem", pki.load_crl, t.pem(ca))
    assert "crl" in assert_rule("pem", pki.load_crl, "-----BEGIN X509 CRL-----\nZm9v\n-----END X509 CRL-----\n")


def test_load_csr_round_trip_and_errors():
    request = pki.load_csr(t.pem(t.csr()))
    assert request.subject == t.name("host1")
    assert "csr" in assert_rule("pem", pki.load_csr, "")
    assert "csr" in assert_rule(
        "pem", pki.load_csr, "-----BEGIN CERTIFICATE REQUEST-----\nZm9v\n-----END CERTIFICATE REQUEST-----\n"
    )


# --- CA rules --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ec-p256", "ec-p384", "ec-p521", "rsa-2048", "rsa-3072"])
def test_ca_with_every_accepted_key_kind_passes(kind):
    pki.validate_ca_certificate(t.ca_certificate(t.key(kind)))


def test_ca_must_say_ca_true():
    assert "CA:true" in assert_rule("basic_constraints", pki.validate_ca_certificate, t.ca_certificate(ca=False))


def test_ca_without_basic_constraints_is_refused():
    assert_rule(
        "basic_constraints",
        pki.validate_ca_certificate,
        t.ca_certificate(basic_constraints=False, key_usage=t.usage(key_cert_sign=True)),
    )


def test_ca_must_have_key_cert_sign():
    cert = t.ca_certificate(key_usage=t.usage(crl_sign=True, digital_signature=True))
    assert "keyCertSign" in assert_rule("key_usage", pki.validate_ca_certificate, cert)


def test_ca_without_key_usage_is_refused():
    assert_rule("key_usage", pki.validate_ca_certificate, t.ca_certificate(key_usage=None))


def test_ca_crl_sign_is_optional():
    pki.validate_ca_certificate(t.ca_certificate(key_usage=t.usage(key_cert_sign=True)))


def test_ca_signed_with_sha1_is_refused():
    cert = pki.load_certificates(t.SHA1_CA_CERTIFICATE)[0]
    assert "SHA-256" in assert_rule("signature_hash", pki.validate_ca_certificate, cert)


@pytest.mark.parametrize("algorithm", ["sha384", "sha512"])
def test_ca_signed_with_stronger_hashes_passes(algorithm):
    pki.validate_ca_certificate(t.ca_certificate(algorithm=algorithm))


def test_expired_ca_is_refused():
    cert = t.ca_certificate(
        not_before=t.NOW - datetime.timedelta(days=10), not_after=t.NOW - datetime.timedelta(days=1)
    )
    assert "expired" in assert_rule("expired", pki.validate_ca_certificate, cert)


def test_not_yet_valid_ca_is_refused():
    cert = t.ca_certificate(
        not_before=t.NOW + datetime.timedelta(days=1), not_after=t.NOW + datetime.timedelta(days=10)
    )
    assert_rule("not_yet_valid", pki.validate_ca_certificate, cert)


def test_validity_is_checked_against_the_given_time():
    cert = t.ca_certificate()
    assert_rule("expired", pki.validate_ca_certificate, cert, now=t.NOW + datetime.timedelta(days=365))


def test_ca_with_weak_rsa_key_is_refused():
    cert = t.ca_certificate(t.key("rsa-1024"))
    assert "2048" in assert_rule("key_strength", pki.validate_ca_certificate, cert)


def test_ca_with_unsupported_curve_is_refused():
    assert "P-256" in assert_rule("key_strength", pki.validate_ca_certificate, t.ca_certificate(t.key("ec-k256")))


def test_ca_with_ed25519_key_is_refused():
    assert_rule("signature_hash", pki.validate_ca_certificate, t.ca_certificate(t.key("ed25519"), algorithm=None))


# --- leaf rules -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ec-p256", "ec-p384", "ec-p521", "rsa-2048", "rsa-4096"])
def test_leaf_with_every_accepted_key_kind_passes(kind):
    pki.validate_leaf_certificate(
        t.certificate(subject_key=t.key(kind), issuer_key=t.key("ec-p384"), issuer=t.name("CA"))
    )


def test_leaf_without_basic_constraints_passes():
    pki.validate_leaf_certificate(t.certificate(basic_constraints=False))


def test_leaf_with_ca_true_is_refused():
    assert "CA:false" in assert_rule(
        "basic_constraints",
        pki.validate_leaf_certificate,
        t.certificate(ca=True, key_usage=t.usage(digital_signature=True)),
    )


def test_leaf_must_have_digital_signature():
    assert "digitalSignature" in assert_rule(
        "key_usage", pki.validate_leaf_certificate, t.certificate(key_usage=t.usage(key_cert_sign=True))
    )


def test_leaf_without_key_usage_is_refused():
    assert_rule("key_usage", pki.validate_leaf_certificate, t.certificate(key_usage=None))


def test_leaf_signed_with_sha1_is_refused():
    assert_rule("signature_hash", pki.validate_leaf_certificate, pki.load_certificates(t.SHA1_LEAF_CERTIFICATE)[0])


def test_leaf_with_empty_subject_is_refused():
    assert "subject" in assert_rule(
        "subject", pki.validate_leaf_certificate, t.certificate(subject=x509.Name([]), issuer=t.name("CA"))
    )


def test_v1_leaf_is_refused():
    cert = pki.load_certificates(t.V1_CERTIFICATE)[0]
    assert "v3" in assert_rule("version", pki.validate_leaf_certificate, cert)


def test_expired_leaf_is_refused():
    cert = t.certificate(not_before=t.NOW - datetime.timedelta(days=3), not_after=t.NOW - datetime.timedelta(seconds=1))
    assert_rule("expired", pki.validate_leaf_certificate, cert)


def test_leaf_with_weak_keys_is_refused():
    assert_rule(
        "key_strength", pki.validate_leaf_certificate, t.certificate(subject_key=t.key("rsa-1024"), issuer_key=t.key())
    )
    assert_rule(
        "key_strength", pki.validate_leaf_certificate, t.certificate(subject_key=t.key("ec-p224"), issuer_key=t.key())
    )


# --- CSR rules --------------------------------------------------------------------------------------------------


def test_good_csr_passes():
    pki.validate_csr(t.csr(dns_names=["host1.example.com"]))


def test_csr_with_tampered_signature_is_refused():
    der = bytearray(t.csr().public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0xFF  # inside the signature value
    tampered = x509.load_der_x509_csr(bytes(der))
    assert "self-signature" in assert_rule("csr_signature", pki.validate_csr, tampered)


def test_csr_with_empty_subject_is_refused():
    assert_rule("subject", pki.validate_csr, t.csr(subject=x509.Name([])))


def test_csr_with_weak_keys_is_refused():
    assert_rule("key_strength", pki.validate_csr, t.csr(subject_key=t.key("rsa-1024")))
    assert_rule("key_strength", pki.validate_csr, t.csr(subject_key=t.key("ec-k256")))


def test_csr_signed_with_sha1_is_refused():
    assert_rule("signature_hash", pki.validate_csr, pki.load_csr(t.SHA1_CSR))


# --- issuer and CRL checks -----------------------------------------------------------------------------------


def test_verify_issued_by():
    ca_key, other_key = t.key("ec-p384"), t.key("ec-p521")
    ca = t.ca_certificate(ca_key)
    other = t.ca_certificate(other_key)  # same name "Test CA", different key
    leaf = t.certificate(issuer_key=ca_key, issuer=ca.subject)
    assert pki.verify_issued_by(leaf, ca)
    assert not pki.verify_issued_by(leaf, other)
    assert not pki.verify_issued_by(leaf, t.ca_certificate(ca_key, cn="renamed"))


def test_verify_crl_issued_by_returns_the_signing_ca():
    ca_key, other_key = t.key("ec-p384"), t.key("ec-p521")
    ca, other = t.ca_certificate(ca_key, cn="CA"), t.ca_certificate(other_key, cn="Other")
    crl = t.crl(ca, ca_key, [1, 2])
    assert pki.verify_crl_issued_by(crl, [other, ca]) == ca


def test_verify_crl_issued_by_refuses_a_foreign_crl():
    ca_key, other_key = t.key("ec-p384"), t.key("ec-p521")
    ca = t.ca_certificate(ca_key, cn="CA")
    impostor = t.ca_certificate(other_key, cn="CA")
    message = assert_rule("crl_issuer", pki.verify_crl_issued_by, t.crl(impostor, other_key), [ca])
    assert "CN=CA" in message
    assert_rule("crl_issuer", pki.verify_crl_issued_by, t.crl(ca, ca_key), [])


def test_fingerprint_and_serial_formats():
    cert = t.certificate(serial=0xABCDEF)
    assert pki.serial_hex(cert.serial_number) == "ABCDEF"
    assert len(pki.fingerprint_sha256(cert).split(":")) == 32
