"""Certificate rules of CreateSession: the presented certificates, the path to a trust anchor, revocation."""

from __future__ import annotations

import base64
import binascii
import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID

from .errors import access_denied, untrusted, validation_error

# The service accepts at most this many intermediates between the leaf and the trust anchor.
MAX_CHAIN_DEPTH = 5
STRONG_SIGNATURE_HASHES = (
    hashes.SHA256,
    hashes.SHA384,
    hashes.SHA512,
    hashes.SHA3_256,
    hashes.SHA3_384,
    hashes.SHA3_512,
)
# The key types the service documents (RSA, EC, ML-DSA). ML-DSA is recognised by its signature OIDs, which work with
# every cryptography release, rather than by key classes that only recent releases have.
ML_DSA_SIGNATURE_OIDS = ("2.16.840.1.101.3.4.3.17", "2.16.840.1.101.3.4.3.18", "2.16.840.1.101.3.4.3.19")
ML_DSA_KEY_OIDS = ML_DSA_SIGNATURE_OIDS
# Extensions a verifier of this service understands; any other one marked critical makes the certificate unusable
# (RFC 5280 section 4.2: a certificate-using system must reject a certificate with an unrecognised critical extension).
RECOGNISED_EXTENSIONS = {
    ExtensionOID.BASIC_CONSTRAINTS,
    ExtensionOID.KEY_USAGE,
    ExtensionOID.EXTENDED_KEY_USAGE,
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
    ExtensionOID.SUBJECT_KEY_IDENTIFIER,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    ExtensionOID.NAME_CONSTRAINTS,
    ExtensionOID.CERTIFICATE_POLICIES,
    ExtensionOID.POLICY_CONSTRAINTS,
    ExtensionOID.INHIBIT_ANY_POLICY,
    ExtensionOID.CRL_DISTRIBUTION_POINTS,
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
}


def decode_leaf_header(value: str | None) -> x509.Certificate:
    if not value:
        raise access_denied("Missing X-Amz-X509 header", "no X-Amz-X509 header")
    return _decode_der_base64(value, "X-Amz-X509")


def decode_chain_header(value: str | None) -> list[x509.Certificate]:
    if value is None:
        return []
    parts = [part.strip() for part in value.split(",")]
    if len(parts) > MAX_CHAIN_DEPTH:
        raise validation_error(
            f"X-Amz-X509-Chain holds {len(parts)} certificates; at most {MAX_CHAIN_DEPTH} are allowed",
            f"chain of {len(parts)} intermediates",
        )
    return [_decode_der_base64(part, "X-Amz-X509-Chain") for part in parts]


def _decode_der_base64(value: str, header: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(base64.b64decode(value.strip(), validate=True))
    except (binascii.Error, ValueError) as error:
        raise validation_error(
            f"{header} must hold base64-encoded DER certificates", f"{header} does not decode: {error}"
        ) from None


def check_leaf(leaf: x509.Certificate, now: datetime.datetime) -> None:
    """The end-entity rules the service applies before it even looks for a trust anchor."""
    if leaf.version != x509.Version.v3:
        raise access_denied("Signing certificate must be an X.509 v3 certificate", f"leaf is {leaf.version.name}")
    if not leaf.subject.rdns:
        raise access_denied("Signing certificate must have a non-empty subject", "leaf subject is empty")
    if _is_ca(leaf):
        raise access_denied(
            "Signing certificate must be an end-entity certificate (basicConstraints CA:FALSE)",
            "leaf has basicConstraints CA:TRUE",
        )
    key_usage = _extension(leaf, x509.KeyUsage)
    if key_usage is None or not key_usage.digital_signature:
        raise access_denied(
            "Signing certificate must have the digitalSignature key usage", "leaf keyUsage lacks digitalSignature"
        )
    if not _has_strong_signature(leaf):
        raise access_denied(
            "Signing certificate must be signed with SHA-256 or stronger",
            f"leaf signature algorithm {leaf.signature_algorithm_oid.dotted_string} uses a weak or unknown digest",
        )
    if not _has_documented_key_type(leaf):
        raise access_denied(
            "Signing certificate key must be RSA, EC or ML-DSA", f"leaf {describe(leaf)} has another key type"
        )
    unknown = _unrecognised_critical_extension(leaf)
    if unknown:
        raise access_denied(
            "Signing certificate has an unrecognised critical extension", f"leaf critical extension {unknown}"
        )
    _check_validity(leaf, now, "Signing certificate")


def _check_validity(certificate: x509.Certificate, now: datetime.datetime, role: str) -> None:
    if now < certificate.not_valid_before_utc:
        raise access_denied(
            f"{role} is not yet valid",
            f"{describe(certificate)} valid from {certificate.not_valid_before_utc.isoformat()}",
        )
    if now > certificate.not_valid_after_utc:
        raise access_denied(
            f"{role} has expired", f"{describe(certificate)} expired at {certificate.not_valid_after_utc.isoformat()}"
        )


def _has_strong_signature(certificate: x509.Certificate) -> bool:
    try:
        digest = certificate.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return False
    if digest is None:
        # Only ML-DSA, a documented key type, signs without a separate digest; Ed25519 and Ed448 are not accepted.
        return certificate.signature_algorithm_oid.dotted_string in ML_DSA_SIGNATURE_OIDS
    return isinstance(digest, STRONG_SIGNATURE_HASHES)


def _has_documented_key_type(certificate: x509.Certificate) -> bool:
    try:
        key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        key = None
    if isinstance(key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey)):
        return True
    return certificate.public_key_algorithm_oid.dotted_string in ML_DSA_KEY_OIDS


def _unrecognised_critical_extension(certificate: x509.Certificate) -> str | None:
    for extension in certificate.extensions:
        if extension.critical and extension.oid not in RECOGNISED_EXTENSIONS:
            return extension.oid.dotted_string
    return None


def build_path(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
    now: datetime.datetime,
) -> list:
    """Return [leaf, intermediates…, anchor], walking issuer links from the leaf until a trust anchor signed one.

    Each link needs the issuer's name and signature (cryptography checks both) and an issuer that may act as a CA.
    """
    path = [leaf]
    while True:
        current = path[-1]
        anchor = _find_issuer(current, anchors, path, now, ca_below=len(path) - 1)
        if anchor is not None:
            # The anchor's own signature counts too: a SHA-1 self-signed root does not become acceptable by being trusted.
            if not _has_strong_signature(anchor):
                raise untrusted(f"trust anchor {describe(anchor)} is signed with a weak digest")
            return path + [anchor]
        if len(path) - 1 >= MAX_CHAIN_DEPTH:
            raise untrusted(f"no trust anchor within {MAX_CHAIN_DEPTH} intermediates of the leaf")
        intermediate = _find_issuer(current, intermediates, path, now, ca_below=len(path) - 1)
        if intermediate is None:
            raise untrusted(
                f"no issuer of {describe(current)} among the trust anchor certificates or the supplied intermediates"
            )
        if not _has_strong_signature(intermediate):
            raise untrusted(f"intermediate {describe(intermediate)} is signed with a weak digest")
        path.append(intermediate)


def _find_issuer(certificate, candidates, path, now, ca_below):
    for candidate in candidates:
        if candidate in path[1:] or not _issued(certificate, candidate):
            continue
        if _may_issue(candidate, now, ca_below):
            return candidate
    return None


def _issued(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _may_issue(issuer: x509.Certificate, now: datetime.datetime, ca_below: int) -> bool:
    """A CA certificate, allowed to sign certificates, currently valid, whose path length allows `ca_below` CAs under it."""
    constraints = _extension(issuer, x509.BasicConstraints)
    if constraints is None or not constraints.ca:
        return False
    if constraints.path_length is not None and ca_below > constraints.path_length:
        return False
    # The issuer's keyUsage must say keyCertSign: a CA certificate without keyUsage does not.
    key_usage = _extension(issuer, x509.KeyUsage)
    if key_usage is None or not key_usage.key_cert_sign:
        return False
    if not _has_documented_key_type(issuer) or _unrecognised_critical_extension(issuer):
        return False
    return issuer.not_valid_before_utc <= now <= issuer.not_valid_after_utc


def revoked_by(path: list[x509.Certificate], crls: list[x509.CertificateRevocationList]) -> x509.Certificate | None:
    """The first certificate of the path (below the anchor) that a CRL signed by its issuer lists, if any."""
    for certificate, issuer in zip(path, path[1:]):
        for crl in crls:
            if crl.issuer != issuer.subject or not _crl_signed_by(crl, issuer):
                continue
            if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
                return certificate
    return None


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    try:
        return crl.is_signature_valid(issuer.public_key())
    except (TypeError, ValueError, UnsupportedAlgorithm):
        return False


def load_crl(data: bytes | str) -> x509.CertificateRevocationList | None:
    """ImportCrl takes PEM; tolerate DER too. A CRL that does not parse revokes nothing."""
    raw = data.encode("ascii") if isinstance(data, str) else bytes(data)
    for loader in (x509.load_pem_x509_crl, x509.load_der_x509_crl):
        try:
            return loader(raw)
        except ValueError:
            continue
    return None


def load_pem_bundle(pem: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem.encode("ascii"))
    except ValueError:
        return []


def _is_ca(certificate: x509.Certificate) -> bool:
    constraints = _extension(certificate, x509.BasicConstraints)
    return constraints is not None and constraints.ca


def _extension(certificate: x509.Certificate, extension_type):
    try:
        return certificate.extensions.get_extension_for_class(extension_type).value
    except x509.ExtensionNotFound:
        return None


def describe(certificate: x509.Certificate) -> str:
    return f"'{certificate.subject.rfc4514_string()}' (serial {certificate.serial_number})"
