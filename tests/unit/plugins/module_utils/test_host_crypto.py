"""The host-side crypto layer: both backends give the same facts from the same inputs, and one rule picks them."""

import datetime
import os
import shutil
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import NameOID

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import host_crypto
from support import x509 as t

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
BACKENDS = ["cryptography", "openssl"]


def both_backends():
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    return host_crypto.CryptographyBackend(), host_crypto.OpensslBackend()


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == "openssl" and shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    return host_crypto.select_backend(request.param)


def private_pem(key, key_format=serialization.PrivateFormat.PKCS8, encryption=None):
    return key.private_bytes(serialization.Encoding.PEM, key_format, encryption or serialization.NoEncryption())


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def leaf_with_names(issuer_key, issuer_name, subject_key, serial=0x00C0FFEE, dns_names=("b.example", "a.example")):
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example, Inc."),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Ops+Dev"),
            x509.NameAttribute(NameOID.COMMON_NAME, "host-1.example"),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(datetime.datetime(2026, 1, 2, 3, 4, 5))
        .not_valid_after(datetime.datetime(2027, 6, 7, 8, 9, 10))
    )
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


# --- the same facts from both backends --------------------------------------------------------------------------


@needs_openssl
@pytest.mark.parametrize("leaf_kind", ["ec-p256", "ec-p384", "rsa-2048"])
@pytest.mark.parametrize("dns_names", [("b.example", "a.example"), ()])
def test_both_backends_read_the_same_certificate_facts(leaf_kind, dns_names):
    ca = t.ca_certificate()
    leaf = leaf_with_names(t.key("ec-p384"), ca.subject, t.key(leaf_kind), dns_names=dns_names)
    pem = t.pem(leaf)
    by_cryptography, by_openssl = [backend.certificate_info(pem) for backend in both_backends()]
    assert by_cryptography == by_openssl
    assert by_openssl["serial"] == "C0FFEE" and by_openssl["serial_number"] == 0xC0FFEE
    assert by_openssl["subject"] == {
        "organization": "Example, Inc.",
        "organizational_unit": "Ops+Dev",
        "common_name": "host-1.example",
    }
    assert by_openssl["dns_names"] == sorted(dns_names)
    assert by_openssl["not_after"] == datetime.datetime(2027, 6, 7, 8, 9, 10, tzinfo=datetime.timezone.utc)
    assert by_openssl["public_key_der"] == spki(t.key(leaf_kind).public_key())
    assert by_openssl["issuer"] == ca.subject.rfc4514_string()


@needs_openssl
def test_without_names_both_backends_leave_out_the_same_fields():
    pem = t.pem(t.certificate())
    by_cryptography, by_openssl = [backend.certificate_info(pem, names=False) for backend in both_backends()]
    assert by_cryptography == by_openssl
    assert "subject" not in by_openssl and "dns_names" not in by_openssl


@needs_openssl
def test_a_bundle_is_read_as_its_first_certificate():
    first, second = t.certificate(serial=17), t.ca_certificate(serial=18)
    for backend in both_backends():
        assert backend.certificate_info(t.pem(first) + t.pem(second), names=False)["serial_number"] == 17


@needs_openssl
@pytest.mark.parametrize("key_type", ["ec-p256", "ec-p521", "rsa-2048"])
def test_a_key_made_by_one_backend_reads_the_same_in_the_other(key_type):
    backends = both_backends()
    for maker in backends:
        key_pem = maker.generate_key(key_type)
        publics = [reader.public_key_der(key_pem) for reader in backends]
        assert publics[0] == publics[1]
        assert host_crypto.key_type_of_spki(publics[0]) == key_type


@needs_openssl
def test_both_backends_make_the_same_request():
    subject = [("organization", "Example/Org"), ("organizational_unit", "a+b=c"), ("common_name", "host-1")]
    key_pem = private_pem(t.key("ec-p256"))
    requests = [
        x509.load_pem_x509_csr(backend.make_csr(key_pem, "/unused", subject, ["h1.example"]).encode("ascii"))
        for backend in both_backends()
    ]
    assert requests[0].subject == requests[1].subject
    assert [r.extensions.get_extension_for_class(x509.SubjectAlternativeName).value for r in requests] == [
        x509.SubjectAlternativeName([x509.DNSName("h1.example")])
    ] * 2
    assert all(r.is_signature_valid and spki(r.public_key()) == spki(t.key("ec-p256").public_key()) for r in requests)


@needs_openssl
@pytest.mark.parametrize("issuer_kind", ["ec-p384", "rsa-2048"])
def test_both_backends_agree_on_issued_by(issuer_kind):
    issuer = t.ca_certificate(ca_key=t.key(issuer_kind), cn="Issuer %s" % issuer_kind)
    stranger = t.ca_certificate(ca_key=t.key("ec-p256"), cn="Issuer %s" % issuer_kind)  # same name, other key
    leaf = t.certificate(subject_key=t.key("ec-p256"), issuer_key=t.key(issuer_kind), issuer=issuer.subject)
    for backend in both_backends():
        assert backend.issued_by(t.pem(leaf), t.pem(issuer)) is True
        assert backend.issued_by(t.pem(leaf), t.pem(stranger)) is False
        assert backend.issued_by(t.pem(leaf), "not a certificate") is False


@pytest.mark.parametrize("key_type", ["ec-p256", "rsa-2048"])
def test_signatures_verify_with_the_public_key(backend, key_type):
    key = t.key(key_type)
    signature = backend.sign(private_pem(key, serialization.PrivateFormat.TraditionalOpenSSL), b"string to sign")
    if key_type.startswith("rsa"):
        key.public_key().verify(signature, b"string to sign", padding.PKCS1v15(), hashes.SHA256())
    else:
        key.public_key().verify(signature, b"string to sign", ec.ECDSA(hashes.SHA256()))


def test_an_encrypted_key_is_told_apart(backend):
    encrypted = private_pem(t.key("ec-p256"), encryption=serialization.BestAvailableEncryption(b"secret"))
    with pytest.raises(host_crypto.CryptoError) as err:
        backend.public_key_der(encrypted)
    assert err.value.encrypted_key and "cannot be read" in str(err.value)


def test_an_unreadable_key_or_certificate_raises_the_layer_error(backend):
    with pytest.raises(host_crypto.CryptoError) as err:
        backend.public_key_der(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert not err.value.encrypted_key
    with pytest.raises((host_crypto.CryptoError, ValueError)):
        backend.certificate_info("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n")


# --- PEM and DER without any library ------------------------------------------------------------------------------


def test_pem_helpers():
    one, two = t.pem(t.certificate(serial=1)), t.pem(t.certificate(serial=2))
    bundle = "junk\n" + one + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + two
    assert host_crypto.pem_texts(bundle.encode("ascii"), "CERTIFICATE") == [one, two]
    assert host_crypto.first_pem_certificate(bundle) == one
    assert host_crypto.first_pem_certificate("nothing here") is None
    assert host_crypto.pem_to_der(bundle, "CERTIFICATE") == x509.load_pem_x509_certificate(one.encode()).public_bytes(
        serialization.Encoding.DER
    )
    with pytest.raises(ValueError, match="no PEM CERTIFICATE REQUEST"):
        host_crypto.pem_to_der(bundle, "CERTIFICATE REQUEST")
    with pytest.raises(ValueError, match="not valid base64"):
        host_crypto.pem_blocks("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----", "CERTIFICATE")


@pytest.mark.parametrize("kind", ["ec-p256", "rsa-2048"])
def test_certificate_der_facts_match_the_library(kind):
    cert = t.certificate(subject_key=t.key(kind), serial=2**100 + 7)
    serial, oid, public = host_crypto.certificate_der_facts(cert.public_bytes(serialization.Encoding.DER))
    assert serial == 2**100 + 7
    assert public == spki(cert.public_key())
    assert host_crypto.oid_text(oid) == (host_crypto.OID_RSA if kind.startswith("rsa") else host_crypto.OID_EC)


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "certificate DER is truncated"),
        (b"\x30\x85\x00\x00\x00\x00\x00", "certificate DER has an invalid length"),
        (b"\x02\x01\x00", "certificate is not a DER SEQUENCE"),
        (b"\x30\x03\x02\x01\x00", "certificate has no tbsCertificate"),
        (b"\x30\x02\x30\x00", "certificate has no serial number"),
    ],
)
def test_broken_der_is_named(data, message):
    with pytest.raises(host_crypto.DerError, match=message):
        host_crypto.certificate_der_facts(data)


def test_der_children_walk_a_sequence():
    der = bytes.fromhex("3006020101020102")
    tag, start, end = host_crypto.der_element(der, 0)
    assert (tag, start, end) == (0x30, 2, 8)
    assert host_crypto.der_children(der, start, end) == [(0x02, 2, 4, 5), (0x02, 5, 7, 8)]


# --- the one selection rule ---------------------------------------------------------------------------------------


def test_auto_prefers_cryptography():
    assert host_crypto.select_backend().name == "cryptography"


@needs_openssl
def test_auto_falls_back_to_openssl(monkeypatch):
    monkeypatch.setattr(host_crypto, "cryptography_importable", lambda: False)
    assert host_crypto.select_backend("auto").name == "openssl"
    assert host_crypto.select_backend("openssl").name == "openssl"


def test_errors_name_the_option_and_the_fix(monkeypatch):
    with pytest.raises(host_crypto.CryptoError, match="certificate_backend 'gnutls' is not valid; use one of auto, "):
        host_crypto.select_backend("gnutls", option="certificate_backend")
    monkeypatch.setattr(host_crypto, "cryptography_importable", lambda: False)
    with pytest.raises(host_crypto.CryptoError, match="backend 'cryptography' was asked for .* use backend: openssl"):
        host_crypto.select_backend("cryptography")
    monkeypatch.setattr(host_crypto.shutil, "which", lambda name: None)
    with pytest.raises(host_crypto.CryptoError, match="backend 'openssl' was asked for .*; install openssl"):
        host_crypto.select_backend("openssl")
    with pytest.raises(
        host_crypto.CryptoError, match="neither python3-cryptography nor the openssl command; install one"
    ):
        host_crypto.select_backend("auto")


def test_an_explicit_openssl_path_is_used(tmp_path):
    assert host_crypto.select_backend("openssl", openssl_path="/opt/ssl/bin/openssl").binary == "/opt/ssl/bin/openssl"


# --- a bare host -------------------------------------------------------------------------------------------------


@needs_openssl
def test_the_layer_works_on_a_host_without_cryptography_or_ansible(tmp_path):
    """Loaded from its file with cryptography and ansible hidden, it picks openssl and reads a certificate."""
    cert_path = tmp_path / "cert.pem"
    cert_path.write_text(t.pem(t.certificate(serial=99)))
    script = "\n".join(
        [
            "import sys, types",
            "sys.modules['cryptography'] = None",
            "sys.modules['ansible'] = sys.modules['ansible_collections'] = None",
            "module = types.ModuleType('host_crypto')",
            "exec(compile(open(sys.argv[1]).read(), sys.argv[1], 'exec'), module.__dict__)",
            "backend = module.select_backend('auto')",
            "print(backend.name, backend.certificate_info(open(sys.argv[2]).read())['serial'])",
        ]
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, host_crypto.__file__, str(cert_path)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=""),
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["openssl", "63"]


def test_the_layer_has_no_ansible_or_top_level_cryptography_import():
    with open(host_crypto.__file__) as handle:
        lines = handle.read().splitlines()
    assert not [line for line in lines if line.startswith(("import cryptography", "from cryptography"))]
    assert not [line for line in lines if "ansible" in line and "import" in line]
