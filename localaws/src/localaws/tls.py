"""The stand-in's own TLS: a private CA and a server certificate for the addresses it listens on.

Both are written to a directory next to the stand-in's other files (`ca.pem`, `server.pem`, `server.key`) and kept
across restarts, so a CA bundle a developer pointed AWS_CA_BUNDLE at stays valid. Clients trust `ca.pem` (the AWS CLI
and the Python program through AWS_CA_BUNDLE, the official helper through AWS_CA_BUNDLE or SSL_CERT_FILE).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server.key"
VALIDITY = datetime.timedelta(days=825)
# A certificate this close to its end is replaced at start-up rather than served.
RENEW_BEFORE = datetime.timedelta(days=7)


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "localaws"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _subject_alternative_names(names):
    entries = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _builder(subject, issuer, public_key, now):
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
    )


def _make_ca(now):
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        _builder(_name("localaws test CA"), _name("localaws test CA"), key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _make_server_certificate(ca_key, ca_certificate, names, now):
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        _builder(_name(names[0]), ca_certificate.subject, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_subject_alternative_names(names), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def _write(path, data, mode):
    temporary = f"{path}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _still_usable(directory, names, now):
    """True when the files exist, the certificate lists exactly `names` and is not about to expire."""
    paths = [os.path.join(directory, name) for name in (CA_FILE, CERT_FILE, KEY_FILE)]
    if not all(os.path.exists(path) for path in paths):
        return False
    with open(paths[1], "rb") as handle:
        certificate = x509.load_pem_x509_certificate(handle.read())
    alternative = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    listed = {str(value) for value in alternative.get_values_for_type(x509.IPAddress)} | set(
        alternative.get_values_for_type(x509.DNSName)
    )
    return listed == set(names) and certificate.not_valid_after_utc - now > RENEW_BEFORE


def server_names(host: str, extra_names: Iterable[str] = ()) -> list[str]:
    """The names and addresses the certificate is valid for: the listening address, localhost and `extra_names`."""
    names = [host]
    for name in ("localhost", "127.0.0.1") + tuple(extra_names):
        if name not in names:
            names.append(name)
    return names


def ensure_server_files(directory: str, host: str, extra_names: Iterable[str] = ()) -> dict[str, str]:
    """The CA bundle, certificate and key paths in `directory`, made (or remade) when missing or unusable."""
    names = server_names(host, extra_names)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_path, cert_path, key_path = (os.path.join(directory, name) for name in (CA_FILE, CERT_FILE, KEY_FILE))
    if not _still_usable(directory, names, now):
        ca_key, ca_certificate = _make_ca(now)
        key, certificate = _make_server_certificate(ca_key, ca_certificate, names, now)
        # The CA's key is not kept: a new server certificate comes with a new CA.
        _write(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            0o600,
        )
        _write(cert_path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)
        _write(ca_path, ca_certificate.public_bytes(serialization.Encoding.PEM), 0o644)
    return {"ca_bundle": ca_path, "certificate": cert_path, "private_key": key_path}


def server_context(files: dict[str, str]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files["certificate"], files["private_key"])
    return context
