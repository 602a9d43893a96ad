# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate rules of IAM Roles Anywhere, checked on the controller.

The service accepts a trust anchor CA and an end-entity (leaf) certificate only when they follow a
handful of rules. Checking them here, before any file is written or any API is called, turns a
distant ``AccessDeniedException`` into an error that names the rule and the fix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import traceback

# The one spelling of a serial in every input, output and record of the collection lives with the host-side crypto
# layer (which cannot import this file); importable from here for the controller-side callers.
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.host_crypto import serial_hex  # noqa: F401 pylint: disable=unused-import

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtensionOID
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

try:
    from cryptography.hazmat.primitives.asymmetric import mldsa
except ImportError:  # cryptography before 47: ML-DSA keys cannot be read there, and are refused as unreadable
    MLDSA_PUBLIC_KEY_TYPES = ()
else:
    MLDSA_PUBLIC_KEY_TYPES = (mldsa.MLDSA44PublicKey, mldsa.MLDSA65PublicKey, mldsa.MLDSA87PublicKey)

MIN_RSA_BITS = 2048
ALLOWED_CURVES = ("secp256r1", "secp384r1", "secp521r1")
CURVE_LABELS = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
STRONG_HASHES = ("sha256", "sha384", "sha512", "sha3-256", "sha3-384", "sha3-512")
# ML-DSA signs the message itself, so its signatures name no digest. The service accepts ML-DSA keys (reference section
# 4; AWS4-X509-MLDSA in section 3), so these signatures count as strong. Ed25519 signatures name no digest either, but
# Ed25519 is not among the service's key types (RSA, EC, ML-DSA): those stay refused.
MLDSA_SIGNATURE_OIDS = ("2.16.840.1.101.3.4.3.17", "2.16.840.1.101.3.4.3.18", "2.16.840.1.101.3.4.3.19")

PEM_CERTIFICATE_MARKER = "-----BEGIN CERTIFICATE-----"
PEM_CRL_MARKER = "-----BEGIN X509 CRL-----"
PEM_CSR_MARKERS = ("-----BEGIN CERTIFICATE REQUEST-----", "-----BEGIN NEW CERTIFICATE REQUEST-----")


class CertificateRuleError(ValueError):
    """A certificate, CSR or CRL breaks a rule; the message names the rule and the fix."""

    def __init__(self, message, rule=None, field=None):
        super(CertificateRuleError, self).__init__(message)
        self.rule = rule
        self.field = field


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def _as_text(value, field):
    """PEM arrives as str from YAML or as bytes from files; anything else is a caller error."""
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            raise CertificateRuleError(
                "%s is not PEM text (it holds non-ASCII bytes); pass the PEM content, not DER or a binary file" % field,
                rule="pem",
                field=field,
            )
    if not isinstance(value, str):
        raise CertificateRuleError(
            "%s must be PEM text, got %s" % (field, type(value).__name__), rule="pem", field=field
        )
    return value


def describe_certificate(cert):
    """A short human label used in error messages: subject and serial."""
    try:
        subject = cert.subject.rfc4514_string() or "<empty subject>"
    except ValueError:
        subject = "<unreadable subject>"
    return "certificate '%s' (serial %X)" % (subject, cert.serial_number)


def load_certificates(pem_text, field="certificate_bundle"):
    """Parse every certificate of a PEM bundle; fail naming ``field`` when it is empty or malformed."""
    text = _as_text(pem_text, field)
    if PEM_CERTIFICATE_MARKER not in text:
        raise CertificateRuleError(
            "%s holds no PEM certificate (no '%s' line); pass the PEM content of the certificate(s)"
            % (field, PEM_CERTIFICATE_MARKER),
            rule="pem",
            field=field,
        )
    try:
        certs = x509.load_pem_x509_certificates(text.encode("ascii"))
    except (ValueError, TypeError, x509.InvalidVersion) as exc:
        raise CertificateRuleError(
            "%s is not a valid PEM certificate bundle (%s); pass intact PEM certificates" % (field, exc),
            rule="pem",
            field=field,
        )
    if not certs:
        raise CertificateRuleError(
            "%s holds no certificate; pass at least one PEM certificate" % field, rule="pem", field=field
        )
    return certs


def load_crl(pem_text, field="crl"):
    """Parse a PEM CRL; fail naming ``field`` when it is empty or malformed."""
    text = _as_text(pem_text, field)
    if PEM_CRL_MARKER not in text:
        raise CertificateRuleError(
            "%s holds no PEM CRL (no '%s' line); pass the PEM content of the CRL" % (field, PEM_CRL_MARKER),
            rule="pem",
            field=field,
        )
    try:
        return x509.load_pem_x509_crl(text.encode("ascii"))
    except (ValueError, TypeError) as exc:
        raise CertificateRuleError(
            "%s is not a valid PEM CRL (%s); pass an intact PEM CRL" % (field, exc), rule="pem", field=field
        )


def load_csr(pem_text, field="csr"):
    """Parse a PEM certificate signing request; fail naming ``field`` when it is empty or malformed."""
    text = _as_text(pem_text, field)
    if not any(marker in text for marker in PEM_CSR_MARKERS):
        raise CertificateRuleError(
            "%s holds no PEM certificate request (no '%s' line)" % (field, PEM_CSR_MARKERS[0]), rule="pem", field=field
        )
    try:
        csr = x509.load_pem_x509_csr(text.encode("ascii"))
        # Touch the parts signing depends on, so a broken request fails here and not half-way through issuing.
        csr.subject  # pylint: disable=pointless-statement
        csr.extensions  # pylint: disable=pointless-statement
    except (ValueError, TypeError) as exc:
        raise CertificateRuleError(
            "%s is not a valid PEM certificate request (%s); regenerate the CSR" % (field, exc), rule="pem", field=field
        )
    return csr


def _hash_name(signed_object):
    try:
        algorithm = signed_object.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None
    return algorithm.name if algorithm is not None else None


def _signature_algorithm(signed_object):
    """The signature algorithm's name (its dotted OID when cryptography has no name for it)."""
    oid = signed_object.signature_algorithm_oid
    return getattr(oid, "_name", None) or oid.dotted_string


def check_signature_hash(signed_object, label):
    """Roles Anywhere rejects MD5 and SHA-1 signatures; require SHA-256 or stronger, or ML-DSA (no separate digest)."""
    name = _hash_name(signed_object)
    if name in STRONG_HASHES:
        return
    if name is None and signed_object.signature_algorithm_oid.dotted_string in MLDSA_SIGNATURE_OIDS:
        return
    raise CertificateRuleError(
        "%s is signed with %s; Roles Anywhere requires a SHA-256 or stronger RSA/ECDSA signature, or ML-DSA: "
        "re-issue it with SHA-256 by an RSA, EC or ML-DSA key" % (label, name or _signature_algorithm(signed_object)),
        rule="signature_hash",
    )


def _is_mldsa(public_key):
    return isinstance(public_key, MLDSA_PUBLIC_KEY_TYPES)


def key_description(public_key):
    """'rsa-2048', 'ec-p256', ... or the class name for anything else."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "rsa-%d" % public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        label = CURVE_LABELS.get(public_key.curve.name)
        return "ec-%s" % (label.lower().replace("-", "") if label else public_key.curve.name)
    if _is_mldsa(public_key):
        return "ml-dsa-%s" % type(public_key).__name__[5:7]
    return type(public_key).__name__


def check_key_strength(public_key, label):
    """Refuse RSA below 2048 bits, curves other than P-256/P-384/P-521, and key types other than RSA, EC and ML-DSA."""
    if _is_mldsa(public_key):
        return
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise CertificateRuleError(
                "%s has an RSA key of %d bits; at least %d bits are required: generate a new key (rsa-2048 or larger, or ec-p256)"
                % (label, public_key.key_size, MIN_RSA_BITS),
                rule="key_strength",
            )
        return
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in ALLOWED_CURVES:
            raise CertificateRuleError(
                "%s uses the elliptic curve %s; only P-256, P-384 and P-521 are accepted: generate a new key on one of them"
                % (label, public_key.curve.name),
                rule="key_strength",
            )
        return
    raise CertificateRuleError(
        "%s has a %s key; only RSA, EC (P-256/P-384/P-521) and ML-DSA keys are accepted"
        % (label, type(public_key).__name__),
        rule="key_type",
    )


def _public_key(cert, label):
    try:
        return cert.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CertificateRuleError("%s has a public key that cannot be read (%s)" % (label, exc), rule="key_type")


def check_validity(cert, label, now=None):
    """The certificate must be inside its validity period now."""
    now = now or utcnow()
    if cert.not_valid_before_utc > now:
        raise CertificateRuleError(
            "%s is not valid before %s; check the clock or wait until then"
            % (label, cert.not_valid_before_utc.isoformat()),
            rule="not_yet_valid",
        )
    if cert.not_valid_after_utc < now:
        raise CertificateRuleError(
            "%s expired on %s; issue a new one" % (label, cert.not_valid_after_utc.isoformat()), rule="expired"
        )


def _extension(cert, oid):
    try:
        return cert.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None
    except ValueError as exc:
        raise CertificateRuleError(
            "%s has a malformed extension (%s)" % (describe_certificate(cert), exc), rule="extensions"
        )


def check_critical_extensions(cert, label):
    """RFC 5280 section 4.2: a verifier must refuse a certificate holding a critical extension it does not recognize."""
    for extension in cert.extensions:
        if extension.critical and isinstance(extension.value, x509.UnrecognizedExtension):
            raise CertificateRuleError(
                "%s holds the critical extension %s, which verifiers must refuse when they do not know it; "
                "re-issue it without that extension or mark it non-critical" % (label, extension.oid.dotted_string),
                rule="critical_extension",
            )


def _judged_safely(rules):
    """Certificates parse lazily, so a damaged field can raise while a rule reads it; report that as a broken rule."""

    def judge(cert, *args, **kwargs):
        try:
            return rules(cert, *args, **kwargs)
        except CertificateRuleError:
            raise
        except (ValueError, TypeError, x509.InvalidVersion) as exc:
            raise CertificateRuleError(
                "the certificate cannot be read (%s); replace it with an intact one" % exc, rule="malformed"
            )

    judge.__doc__ = rules.__doc__
    judge.__name__ = rules.__name__
    return judge


@_judged_safely
def validate_ca_certificate(cert, now=None):
    """A trust anchor CA: CA:true, keyCertSign, SHA-256+ or ML-DSA, no unknown critical extension, valid, strong key."""
    label = "CA " + describe_certificate(cert)
    constraints = _extension(cert, ExtensionOID.BASIC_CONSTRAINTS)
    if constraints is None or not constraints.ca:
        raise CertificateRuleError(
            "%s is not a CA: basicConstraints must say CA:true; use a CA certificate, not a leaf" % label,
            rule="basic_constraints",
        )
    usage = _extension(cert, ExtensionOID.KEY_USAGE)
    if usage is None or not usage.key_cert_sign:
        raise CertificateRuleError(
            "%s lacks keyCertSign in keyUsage; re-issue the CA with keyUsage keyCertSign (and cRLSign)" % label,
            rule="key_usage",
        )
    check_signature_hash(cert, label)
    _check_extensions_validity_and_key(cert, label, now)


@_judged_safely
def validate_leaf_certificate(cert, now=None):
    """An end-entity certificate: v3, CA false, digitalSignature, SHA-256+ or ML-DSA, non-empty subject,
    no unknown critical extension, valid, strong key."""
    label = "leaf " + describe_certificate(cert)
    if cert.version != x509.Version.v3:
        raise CertificateRuleError(
            "%s is X.509 %s; Roles Anywhere requires v3 certificates: re-issue it" % (label, cert.version.name),
            rule="version",
        )
    constraints = _extension(cert, ExtensionOID.BASIC_CONSTRAINTS)
    if constraints is not None and constraints.ca:
        raise CertificateRuleError(
            "%s is a CA certificate (CA:true); a leaf must have CA:false: issue an end-entity certificate" % label,
            rule="basic_constraints",
        )
    usage = _extension(cert, ExtensionOID.KEY_USAGE)
    if usage is None or not usage.digital_signature:
        raise CertificateRuleError(
            "%s lacks digitalSignature in keyUsage; re-issue it with keyUsage digitalSignature" % label,
            rule="key_usage",
        )
    check_signature_hash(cert, label)
    if len(cert.subject) == 0:
        raise CertificateRuleError(
            "%s has an empty subject; give it at least a common name (CN)" % label, rule="subject"
        )
    _check_extensions_validity_and_key(cert, label, now)


def _check_extensions_validity_and_key(cert, label, now):
    """The last checks of a CA and of a leaf alike, in this order: no unknown critical extension, valid now, strong key."""
    check_critical_extensions(cert, label)
    check_validity(cert, label, now)
    check_key_strength(_public_key(cert, label), label)


@_judged_safely
def validate_csr(csr, label="certificate request"):
    """A CSR the controller is willing to sign: intact self-signature, non-empty subject, strong key, SHA-256+."""
    # The hash comes first: cryptography reports a SHA-1 self-signature as invalid, which would hide the real cause.
    check_signature_hash(csr, label)
    try:
        signature_ok = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CertificateRuleError(
            "%s cannot be verified (%s); regenerate the CSR" % (label, exc), rule="csr_signature"
        )
    if not signature_ok:
        raise CertificateRuleError(
            "%s has an invalid self-signature (it was altered or not signed by its key); regenerate the CSR" % label,
            rule="csr_signature",
        )
    if len(csr.subject) == 0:
        raise CertificateRuleError("%s has an empty subject; request a common name (CN)" % label, rule="subject")
    try:
        public_key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CertificateRuleError("%s has a public key that cannot be read (%s)" % (label, exc), rule="key_type")
    check_key_strength(public_key, label)


def verify_issued_by(cert, issuer):
    """True when ``issuer`` signed ``cert`` (name chaining and signature)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def verify_crl_issued_by(crl, ca_certs):
    """Return the CA among ``ca_certs`` that signed the CRL; fail when none did."""
    for ca in ca_certs:
        if crl.issuer != ca.subject:
            continue
        try:
            if crl.is_signature_valid(ca.public_key()):
                return ca
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
    raise CertificateRuleError(
        "the CRL issued by '%s' is not signed by any certificate of the trust anchor (%s); sign the CRL with the trust anchor's CA key"
        % (crl.issuer.rfc4514_string(), ", ".join(ca.subject.rfc4514_string() for ca in ca_certs) or "none given"),
        rule="crl_issuer",
    )


def fingerprint_sha256(cert):
    """Colon-separated upper-case SHA-256 fingerprint, as ``openssl x509 -fingerprint -sha256`` prints it."""
    digest = cert.fingerprint(hashes.SHA256())
    return ":".join("%02X" % byte for byte in bytearray(digest))
