# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's certificate authority: keys, CA certificates, leaf issuance and CRLs.

Layout of the CA directory (``rolesanywhere_ca_path``)::

    ca.key             root key, PKCS#8 PEM (encrypted when a passphrase is given), 0600 from creation
    ca.crt             self-signed root certificate: what the trust anchor holds
    intermediate.key   optional intermediate key (same protection as ca.key)
    intermediate.crt   optional intermediate signed by the root: it then signs the leaves
    chain.pem          the intermediates hosts send along with their certificate (absent without one)
    crl.pem            the certificate revocation list, once something has been revoked
    revoked.json       who was revoked when (serial -> label, date), for people reading the directory
    issued.json        serial -> host, subject, validity of every certificate signed here (revocation by host name)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files, pki
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.pki import CertificateRuleError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    pass  # pki.HAS_CRYPTOGRAPHY tells the callers

KEY_TYPES = ("ec-p256", "ec-p384", "rsa-2048", "rsa-3072", "rsa-4096")
HOST_KEY_TYPES = KEY_TYPES + ("ec-p521",)

CA_KEY = "ca.key"
CA_CERT = "ca.crt"
INTERMEDIATE_KEY = "intermediate.key"
INTERMEDIATE_CERT = "intermediate.crt"
CHAIN = "chain.pem"
CRL = "crl.pem"
REVOKED_RECORD = "revoked.json"
ISSUED_RECORD = "issued.json"

KEY_MODE = 0o600
CERT_MODE = 0o644
# Hosts and controller clocks drift; a leaf that starts a few minutes in the past is usable at once everywhere.
BACKDATE = datetime.timedelta(minutes=5)


def generate_private_key(key_type):
    if key_type not in HOST_KEY_TYPES:
        raise CertificateRuleError(
            "key_type '%s' is not supported; choose one of %s" % (key_type, ", ".join(HOST_KEY_TYPES)),
            rule="key_type",
            field="key_type",
        )
    if key_type.startswith("rsa-"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    curve = {"ec-p256": ec.SECP256R1, "ec-p384": ec.SECP384R1, "ec-p521": ec.SECP521R1}[key_type]
    return ec.generate_private_key(curve())


def serialize_private_key(private_key, passphrase=None):
    """PKCS#8 PEM; encrypted with the best available scheme when a passphrase is given."""
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_private_key(pem_bytes, passphrase, path):
    """Load a key file; a missing or wrong passphrase is reported as such, naming the ``passphrase`` option."""
    password = passphrase.encode("utf-8") if passphrase else None
    try:
        return serialization.load_pem_private_key(pem_bytes, password=password)
    except TypeError:
        if password is None:
            raise CertificateRuleError(
                "%s is encrypted; set passphrase (rolesanywhere_ca_passphrase) to the CA key's passphrase" % path,
                rule="passphrase",
                field="passphrase",
            )
        raise CertificateRuleError(
            "%s is not encrypted but a passphrase was given; remove passphrase or re-encrypt the key" % path,
            rule="passphrase",
            field="passphrase",
        )
    except ValueError as exc:
        if password is not None:
            raise CertificateRuleError(
                "cannot decrypt %s: the passphrase is wrong or the key is damaged (%s)" % (path, exc),
                rule="passphrase",
                field="passphrase",
            )
        raise CertificateRuleError(
            "%s is not a readable PEM private key (%s); restore it from backup" % (path, exc), rule="pem"
        )


def same_public_key(first, second):
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return first.public_bytes(*spki) == second.public_bytes(*spki)


def signing_hash(private_key):
    """SHA-256 in general; the larger curves pair with the matching larger hash."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return {"secp384r1": hashes.SHA384(), "secp521r1": hashes.SHA512()}.get(private_key.curve.name, hashes.SHA256())
    return hashes.SHA256()


def build_name(common_name, organization=None, organizational_unit=None):
    attributes = []
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if organizational_unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organizational_unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _key_usage(digital_signature=False, ca=False):
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def build_ca_certificate(private_key, subject, validity_days, issuer_cert=None, issuer_key=None, now=None):
    """A root (self-signed) or, with issuer_cert/issuer_key, an intermediate CA certificate."""
    now = now or pki.utcnow()
    signer_key = issuer_key or private_key
    not_after = now + datetime.timedelta(days=validity_days)
    if issuer_cert is not None:
        not_after = min(not_after, issuer_cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert is not None else subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        # A root may certify one intermediate level below it; an intermediate signs leaves only.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0 if issuer_cert is not None else 1), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False)
    )
    return builder.sign(signer_key, signing_hash(signer_key))


def _requested_san(csr):
    try:
        return csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def check_requested_san(csr, expected_dns_names, label):
    """When the caller says which DNS names a host may have, the CSR must ask for exactly those."""
    if expected_dns_names is None:
        return
    san = _requested_san(csr)
    requested = sorted(san.get_values_for_type(x509.DNSName)) if san is not None else []
    if requested != sorted(expected_dns_names):
        raise CertificateRuleError(
            "%s asks for the DNS names %s but %s were expected; regenerate the CSR with the expected names"
            % (label, requested, sorted(expected_dns_names)),
            rule="san",
        )


def issue_leaf_certificate(csr, issuer_cert, issuer_key, validity_days, now=None):
    """Sign a host certificate from a validated CSR: CA:false, digitalSignature, clientAuth, SAN as requested."""
    now = now or pki.utcnow()
    not_before = now - BACKDATE
    # The validity period, backdating included, never exceeds validity_days nor outlives the issuer.
    not_after = min(not_before + datetime.timedelta(days=validity_days), issuer_cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(issuer_cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    )
    san = _requested_san(csr)
    if san is not None:
        builder = builder.add_extension(san, critical=False)
    return builder.sign(issuer_key, signing_hash(issuer_key))


def pem_of(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_summary(cert):
    return {
        "serial": pki.serial_hex(cert.serial_number),
        "subject": cert.subject.rfc4514_string(),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "fingerprint": pki.fingerprint_sha256(cert),
        "key_type": pki.key_description(cert.public_key()),
    }


class CaDirectory:
    """Paths of one CA directory."""

    def __init__(self, path):
        self.path = path
        self.ca_key = os.path.join(path, CA_KEY)
        self.ca_cert = os.path.join(path, CA_CERT)
        self.intermediate_key = os.path.join(path, INTERMEDIATE_KEY)
        self.intermediate_cert = os.path.join(path, INTERMEDIATE_CERT)
        self.chain = os.path.join(path, CHAIN)
        self.crl = os.path.join(path, CRL)
        self.revoked_record = os.path.join(path, REVOKED_RECORD)
        self.issued_record = os.path.join(path, ISSUED_RECORD)

    def exists(self):
        return os.path.exists(self.ca_cert) or os.path.exists(self.ca_key)

    def has_intermediate(self):
        return os.path.exists(self.intermediate_cert) or os.path.exists(self.intermediate_key)


def _load_existing_pair(cert_path, key_path, passphrase, role):
    """Load and judge a certificate/key pair already on disk; refuse (never replace) one that breaks the rules."""
    cert_pem, key_pem = atomic_files.read_bytes(cert_path), atomic_files.read_bytes(key_path)
    if cert_pem is None or key_pem is None:
        present, missing = (cert_path, key_path) if cert_pem is not None else (key_path, cert_path)
        raise CertificateRuleError(
            "%s exists but %s does not; restore the missing file or move %s away to create a new %s"
            % (present, missing, present, role),
            rule="incomplete_ca",
        )
    cert = pki.load_certificates(cert_pem, field=cert_path)[0]
    try:
        pki.validate_ca_certificate(cert)
    except CertificateRuleError as exc:
        raise CertificateRuleError(
            "the existing %s at %s cannot be used: %s. It is left untouched: move it away to create a new one"
            % (role, cert_path, exc),
            rule=exc.rule,
        )
    key = load_private_key(key_pem, passphrase, key_path)
    if not same_public_key(cert.public_key(), key.public_key()):
        raise CertificateRuleError(
            "%s does not belong to %s; restore the matching key or move both away to create a new %s"
            % (key_path, cert_path, role),
            rule="key_mismatch",
        )
    return cert, key


class LocalCA:
    """The issuing side of a CA directory, loaded for signing leaves and CRLs."""

    def __init__(self, root_cert, root_key, issuer_cert, issuer_key, chain, path=None):
        self.path = path
        self.root_cert = root_cert
        self.root_key = root_key
        self.issuer_cert = issuer_cert
        self.issuer_key = issuer_key
        self.chain = chain  # intermediates, leaf-side first

    @classmethod
    def load(cls, path, passphrase=None):
        directory = CaDirectory(path)
        if not os.path.exists(directory.ca_cert) and not os.path.exists(directory.ca_key):
            raise CertificateRuleError(
                "no CA in %s (ca.crt and ca.key are missing); create it with the certificate_authority module first"
                % path,
                rule="missing_ca",
                field="ca_path",
            )
        root_cert, root_key = _load_existing_pair(directory.ca_cert, directory.ca_key, passphrase, "root CA")
        if not directory.has_intermediate():
            return cls(root_cert, root_key, root_cert, root_key, [], path)
        cert, key = _load_existing_pair(
            directory.intermediate_cert, directory.intermediate_key, passphrase, "intermediate CA"
        )
        if not pki.verify_issued_by(cert, root_cert):
            raise CertificateRuleError(
                "%s is not signed by %s; move the intermediate files away to create a new intermediate"
                % (directory.intermediate_cert, directory.ca_cert),
                rule="chain",
            )
        return cls(root_cert, root_key, cert, key, [cert], path)

    @classmethod
    def from_pem(cls, source, passphrase=None, path=None):
        """The CA given as PEM text (``PemSource``), loaded in memory only: its key is never written anywhere.

        ``path`` is still where the records (issued.json, crl.pem, revoked.json) live.
        """
        root_cert, root_key = _load_pem_pair(source, "certificate", "private_key", passphrase, "root CA")
        if not source.has_intermediate():
            return cls(root_cert, root_key, root_cert, root_key, [], path)
        cert, key = _load_pem_pair(
            source, "intermediate_certificate", "intermediate_private_key", passphrase, "intermediate CA"
        )
        if not pki.verify_issued_by(cert, root_cert):
            raise CertificateRuleError(
                "%s is not signed by the CA of %s; give the intermediate that this root CA issued"
                % (source.label("intermediate_certificate"), source.label("certificate")),
                rule="chain",
                field=source.fields["intermediate_certificate"],
            )
        return cls(root_cert, root_key, cert, key, [cert], path)

    def chain_pem(self):
        return "".join(pem_of(cert) for cert in self.chain)

    def trust_bundle_pem(self):
        """What the trust anchor holds: the root and every intermediate, so a CRL signed by the CA that issues the
        leaves (the intermediate, when there is one) belongs to a CA of the trust anchor (see docs/pki.md)."""
        return pem_of(self.root_cert) + self.chain_pem()


class PemSource:
    """CA certificate(s) and key(s) passed as PEM text (module options fed from rolesanywhere_ca_*_pem variables)."""

    # option name -> the role variable users set, both named in every error
    VARIABLES = {
        "ca_certificate_pem": "rolesanywhere_ca_certificate_pem",
        "ca_private_key_pem": "rolesanywhere_ca_private_key_pem",
        "intermediate_certificate_pem": "rolesanywhere_ca_intermediate_certificate_pem",
        "intermediate_private_key_pem": "rolesanywhere_ca_intermediate_private_key_pem",
    }

    @staticmethod
    def argument_spec():
        """The options that carry the CA as PEM text (documented by the ca_pem_source doc fragment); a fresh copy."""
        return dict(
            ca_certificate_pem=dict(type="str"),
            ca_private_key_pem=dict(type="str", no_log=True),
            intermediate_certificate_pem=dict(type="str"),
            intermediate_private_key_pem=dict(type="str", no_log=True),
        )

    def __init__(
        self, certificate=None, private_key=None, intermediate_certificate=None, intermediate_private_key=None
    ):
        self.values = {
            "certificate": certificate,
            "private_key": private_key,
            "intermediate_certificate": intermediate_certificate,
            "intermediate_private_key": intermediate_private_key,
        }
        self.fields = {
            "certificate": "ca_certificate_pem",
            "private_key": "ca_private_key_pem",
            "intermediate_certificate": "intermediate_certificate_pem",
            "intermediate_private_key": "intermediate_private_key_pem",
        }

    @classmethod
    def from_params(cls, params):
        """None when no PEM option is set (the CA then comes from the directory)."""
        source = cls(
            params.get("ca_certificate_pem"),
            params.get("ca_private_key_pem"),
            params.get("intermediate_certificate_pem"),
            params.get("intermediate_private_key_pem"),
        )
        return source if any(source.values.values()) else None

    def label(self, part):
        option = self.fields[part]
        return "%s (%s)" % (option, self.VARIABLES[option])

    def has_intermediate(self):
        return bool(self.values["intermediate_certificate"] or self.values["intermediate_private_key"])

    def validate(self):
        """Both halves of each pair, before anything is parsed."""
        for cert_part, key_part in (
            ("certificate", "private_key"),
            ("intermediate_certificate", "intermediate_private_key"),
        ):
            if bool(self.values[cert_part]) != bool(self.values[key_part]):
                present, missing = (cert_part, key_part) if self.values[cert_part] else (key_part, cert_part)
                raise CertificateRuleError(
                    "%s is set but %s is not; give both, or neither" % (self.label(present), self.label(missing)),
                    rule="incomplete_ca",
                    field=self.fields[missing],
                )
        if self.has_intermediate() and not self.values["certificate"]:
            raise CertificateRuleError(
                "%s is set without the root CA; set %s and %s too"
                % (self.label("intermediate_certificate"), self.label("certificate"), self.label("private_key")),
                rule="incomplete_ca",
                field="ca_certificate_pem",
            )


def _load_pem_pair(source, cert_part, key_part, passphrase, role):
    cert_label, key_label = source.label(cert_part), source.label(key_part)
    certs = pki.load_certificates(source.values[cert_part], field=cert_label)
    if len(certs) != 1:
        raise CertificateRuleError(
            "%s holds %d certificates; give exactly the %s certificate" % (cert_label, len(certs), role),
            rule="pem",
            field=source.fields[cert_part],
        )
    cert = certs[0]
    try:
        pki.validate_ca_certificate(cert)
    except CertificateRuleError as exc:
        raise CertificateRuleError(
            "%s is not usable as the %s: %s" % (cert_label, role, exc), rule=exc.rule, field=source.fields[cert_part]
        )
    key_text = source.values[key_part]
    key_bytes = key_text.encode("utf-8") if not isinstance(key_text, bytes) else key_text
    key = load_private_key(key_bytes, passphrase, key_label)
    if not same_public_key(cert.public_key(), key.public_key()):
        raise CertificateRuleError(
            "%s does not belong to the certificate in %s; give the key of that certificate" % (key_label, cert_label),
            rule="key_mismatch",
            field=source.fields[key_part],
        )
    return cert, key


def load_ca(path, passphrase=None, pem_source=None):
    """The CA that signs: from PEM text when given (in memory only), else from the CA directory."""
    if pem_source is not None:
        pem_source.validate()
        return LocalCA.from_pem(pem_source, passphrase, path)
    return LocalCA.load(path, passphrase)


def describe_pem_ca(path, pem_source, intermediate, passphrase=None, custody=None):
    """certificate_authority with the CA from PEM text: judge it and report it like a directory CA; nothing is written."""
    ca = load_ca(path, passphrase, pem_source)
    if custody is not None:
        custody.check_found(ca.root_cert, pem_source.label("certificate"))
    if intermediate != bool(ca.chain):
        raise CertificateRuleError(
            "intermediate is %s but %s %s set; make them agree"
            % (
                str(bool(intermediate)).lower(),
                pem_source.label("intermediate_certificate"),
                "is" if ca.chain else "is not",
            ),
            rule="intermediate",
            field="intermediate",
        )
    result = _ca_result(path, ca.root_cert, ca.issuer_cert, ca.chain, None)
    fingerprints = {
        "ca_certificate": pki.fingerprint_sha256(ca.root_cert),
        "issuer_certificate": pki.fingerprint_sha256(ca.issuer_cert),
    }
    result["diff"] = {"before": fingerprints, "after": fingerprints}
    return False, result, []


def ensure_ca(
    path,
    key_type="ec-p384",
    validity_days=3650,
    subject=None,
    intermediate=False,
    intermediate_subject=None,
    passphrase=None,
    check_mode=False,
    custody=None,
):
    """Create or adopt the CA in ``path``. Returns (changed, result dict, warnings). Never replaces existing CA files.

    ``custody`` (a ca_custody.CustodyCheck) stops, before anything is created, a CA the existing trust anchor does not trust.
    """
    directory = CaDirectory(path)
    changed = False
    warnings = []
    before = _fingerprints(directory)

    if os.path.exists(directory.ca_cert) or os.path.exists(directory.ca_key):
        root_cert, root_key = _load_existing_pair(directory.ca_cert, directory.ca_key, passphrase, "root CA")
        if custody is not None:
            custody.check_found(root_cert, path)
        warnings.extend(_drift_warnings(root_cert, key_type, subject, "root CA"))
    else:
        if custody is not None:
            custody.check_found(None, path)
        root_key = generate_private_key(key_type)
        root_cert = build_ca_certificate(root_key, subject, validity_days)
        changed = True
        if not check_mode:
            atomic_files.ensure_directory(path, 0o700)
            atomic_files.write_atomically(directory.ca_key, serialize_private_key(root_key, passphrase), KEY_MODE)
            atomic_files.write_atomically(directory.ca_cert, pem_of(root_cert).encode("ascii"), CERT_MODE)

    issuer_cert, chain = root_cert, []
    if directory.has_intermediate() and not intermediate:
        raise CertificateRuleError(
            "%s holds an intermediate CA but intermediate is false; set intermediate: true to keep signing with it, "
            "or move intermediate.key and intermediate.crt away" % path,
            rule="intermediate",
            field="intermediate",
        )
    if intermediate:
        if directory.has_intermediate():
            issuer_cert = _load_existing_pair(
                directory.intermediate_cert, directory.intermediate_key, passphrase, "intermediate CA"
            )[0]
            if not pki.verify_issued_by(issuer_cert, root_cert):
                raise CertificateRuleError(
                    "%s is not signed by %s; move the intermediate files away to create a new one"
                    % (directory.intermediate_cert, directory.ca_cert),
                    rule="chain",
                )
            warnings.extend(_drift_warnings(issuer_cert, key_type, intermediate_subject, "intermediate CA"))
        else:
            intermediate_key = generate_private_key(key_type)
            issuer_cert = build_ca_certificate(
                intermediate_key, intermediate_subject, validity_days, root_cert, root_key
            )
            changed = True
            if not check_mode:
                atomic_files.write_atomically(
                    directory.intermediate_key, serialize_private_key(intermediate_key, passphrase), KEY_MODE
                )
                atomic_files.write_atomically(
                    directory.intermediate_cert, pem_of(issuer_cert).encode("ascii"), CERT_MODE
                )
        chain = [issuer_cert]
        chain_bytes = "".join(pem_of(cert) for cert in chain).encode("ascii")
        changed = atomic_files.ensure_file(directory.chain, chain_bytes, CERT_MODE, check_mode=check_mode) or changed

    result = _ca_result(path, root_cert, issuer_cert, chain, directory if intermediate else False)
    result["diff"] = {
        "before": before,
        "after": {
            "ca_certificate": pki.fingerprint_sha256(root_cert),
            "issuer_certificate": pki.fingerprint_sha256(issuer_cert),
        },
    }
    return changed, result, warnings


def _ca_result(path, root_cert, issuer_cert, chain, directory):
    """What certificate_authority returns. ``directory``: the CaDirectory with an intermediate, False without one,
    None when the CA came from PEM text (no file paths then)."""
    files = directory if directory else CaDirectory(path)
    from_files = directory is not None
    return {
        "ca_path": path,
        "ca_certificate": pem_of(root_cert),
        "issuer_certificate": pem_of(issuer_cert),
        "chain": "".join(pem_of(cert) for cert in chain),
        "trust_bundle": pem_of(root_cert) + "".join(pem_of(cert) for cert in chain),
        "ca_source": "files" if from_files else "variables",
        "ca_certificate_path": files.ca_cert if from_files else None,
        "ca_key_path": files.ca_key if from_files else None,
        "issuer_certificate_path": (files.intermediate_cert if directory else files.ca_cert) if from_files else None,
        "issuer_key_path": (files.intermediate_key if directory else files.ca_key) if from_files else None,
        "chain_path": files.chain if directory else None,
        "serial": pki.serial_hex(root_cert.serial_number),
        "not_after": root_cert.not_valid_after_utc.isoformat(),
        "fingerprint": pki.fingerprint_sha256(root_cert),
        "subject": root_cert.subject.rfc4514_string(),
        "key_type": pki.key_description(root_cert.public_key()),
        "issuer": certificate_summary(issuer_cert),
    }


def _fingerprints(directory):
    state = {}
    for label, path in (("ca_certificate", directory.ca_cert), ("issuer_certificate", directory.intermediate_cert)):
        content = atomic_files.read_bytes(path)
        if content is None:
            continue
        try:
            state[label] = pki.fingerprint_sha256(pki.load_certificates(content, field=path)[0])
        except CertificateRuleError:
            state[label] = "unreadable"
    if "issuer_certificate" not in state and "ca_certificate" in state:
        state["issuer_certificate"] = state["ca_certificate"]
    return state


def _drift_warnings(cert, key_type, subject, role):
    """An adopted CA may differ from what the options describe; say so, but never replace a CA on that ground."""
    warnings = []
    actual = pki.key_description(cert.public_key())
    if key_type and actual != key_type:
        warnings.append(
            "the existing %s has a %s key, not %s as key_type asks; it is kept (move it away to create a new one)"
            % (role, actual, key_type)
        )
    if subject is not None and cert.subject != subject:
        warnings.append(
            "the existing %s has the subject '%s', not '%s'; it is kept"
            % (role, cert.subject.rfc4514_string(), subject.rfc4514_string())
        )
    return warnings


# --- revocation -------------------------------------------------------------------------------------------------------

DECIMAL_SERIAL_PREFIX = "dec:"


def parse_serial(value, field="serials"):
    """Read a serial as openssl and this collection print it, hex: 'ABCD', 'ab:cd', '0xABCD'.

    Decimal only with an explicit prefix ('dec:43981'), so that '4242' can never mean two certificates.
    """
    text = str(value).strip()
    base = 16
    if text.lower().startswith(DECIMAL_SERIAL_PREFIX):
        text, base = text[len(DECIMAL_SERIAL_PREFIX) :].strip(), 10
    else:
        text = text.replace(":", "")
        if text.lower().startswith("0x"):
            text = text[2:]
    try:
        serial = int(text, base)
    except ValueError:
        raise CertificateRuleError(
            "%s: '%s' is not a certificate serial: give it in hex as `openssl x509 -serial -noout` prints it "
            "(e.g. 4F3A...), or in decimal with the prefix dec: (e.g. dec:20282)" % (field, value),
            rule="serial",
            field=field,
        )
    if serial <= 0:
        raise CertificateRuleError("%s: '%s' is not a positive serial" % (field, value), rule="serial", field=field)
    return serial


def revoked_entries(crl):
    """serial -> revocation datetime of an existing CRL."""
    return {entry.serial_number: entry.revocation_date_utc for entry in crl}


def crl_number(crl):
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return 0


def build_crl(ca, revoked, number, next_update_days, now=None):
    """Sign a CRL with the CA that issues leaves; ``revoked`` maps serial -> revocation datetime."""
    now = now or pki.utcnow()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.issuer_cert.subject)
        .last_update(now - BACKDATE)
        .next_update(now + datetime.timedelta(days=next_update_days))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.issuer_key.public_key()), critical=False)
    )
    for serial in sorted(revoked):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked[serial]).build()
        )
    return builder.sign(ca.issuer_key, signing_hash(ca.issuer_key))


def own_crls(ca, crls):
    """Split CRLs read elsewhere (the ones imported for the trust anchor) into this CA's and the others.

    ``crls`` is [(label, crl)]. A CRL counts as this CA's only when the CA that issues leaves signed it: serials are
    unique per issuer only, so another issuer's entries would revoke unrelated certificates of this CA.
    Returns ([crl ...], [label ...] of the CRLs another issuer signed).
    """
    mine, foreign = [], []
    for label, crl in crls:
        try:
            pki.verify_crl_issued_by(crl, [ca.issuer_cert])
        except CertificateRuleError:
            foreign.append(label)
            continue
        mine.append(crl)
    return mine, foreign


def merged_revocations(crls):
    """serial -> earliest revocation date over ``crls``: what any of them revokes stays revoked."""
    revoked = {}
    for crl in crls:
        for serial, when in revoked_entries(crl).items():
            if serial not in revoked or (when is not None and (revoked[serial] is None or when < revoked[serial])):
                revoked[serial] = when
    return revoked


def _is_fresh(crl, now, renew_before_days):
    return crl.next_update_utc is not None and crl.next_update_utc - now > datetime.timedelta(days=renew_before_days)


def ensure_crl(ca, serials, existing_crl=None, next_update_days=30, renew_before_days=7, now=None, imported_crls=()):
    """Return (changed, crl, revoked-map). Unchanged when the revoked set is the same and the CRL is fresh and ours.

    ``existing_crl`` is the local one (crl.pem), ``imported_crls`` this CA's CRLs read from the service (see
    ``own_crls``). Revocation only grows: the result revokes everything any of them revokes, plus ``serials``. When one
    of them already says exactly that and is fresh, it is the result (the newest such, by CRL number), so a controller
    that starts without crl.pem does not sign again what the service holds.
    """
    now = now or pki.utcnow()
    if existing_crl is not None:
        pki.verify_crl_issued_by(existing_crl, [ca.issuer_cert])
    known = ([existing_crl] if existing_crl is not None else []) + list(imported_crls)
    revoked = merged_revocations(known)
    for serial in serials:
        revoked.setdefault(serial, now)
    for crl in sorted(known, key=crl_number, reverse=True):
        if set(revoked_entries(crl)) == set(revoked) and _is_fresh(crl, now, renew_before_days):
            return False, crl, revoked
    number = max([crl_number(crl) for crl in known] + [0]) + 1
    return True, build_crl(ca, revoked, number, next_update_days, now), revoked


def update_revoked_record(path, revoked, labels, now=None):
    """Keep revoked.json: serial -> {label, revoked_at}; returns the bytes to write."""
    now = now or pki.utcnow()
    try:
        with open(path) as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        record = {}
    record = respelled_serial_keys(record)
    for serial, when in revoked.items():
        key = pki.serial_hex(serial)
        entry = record.get(key, {})
        entry.setdefault("revoked_at", (when or now).isoformat())
        if labels.get(serial):
            entry["label"] = labels[serial]
        record[key] = entry
    return (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8")


def read_json_record(path):
    try:
        with open(path) as handle:
            record = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CertificateRuleError("%s cannot be read (%s); repair or remove it" % (path, exc), rule="record")
    return record if isinstance(record, dict) else {}


def respelled_serial_keys(record):
    """Records written by older versions spell serials without the leading zero openssl prints; use one spelling."""
    respelled = {}
    for key, entry in record.items():
        try:
            respelled[pki.serial_hex(int(str(key), 16))] = entry
        except ValueError:
            respelled[key] = entry
    return respelled


def record_issued(ca_path, issued, now=None):
    """Add {serial: {host, subject, not_after}} to issued.json, so hosts can later be revoked by name."""
    now = now or pki.utcnow()
    path = CaDirectory(ca_path).issued_record
    record = read_json_record(path)
    for host, entry in issued.items():
        record[entry["serial"]] = {
            "host": host,
            "subject": entry.get("subject"),
            "not_after": entry.get("not_after"),
            "issued_at": now.isoformat(),
        }
    atomic_files.write_atomically(path, (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("utf-8"), 0o600)


class KnownCertificates:
    """Certificates this CA issued, by host, from every source the controller can read without its CA directory.

    Sources: issued.json (kept by sign_certificates), certificates reported by the hosts themselves (their certificate
    file), and the certificates IAM Roles Anywhere recorded for each subject that asked it for credentials (matched to
    a host by the subject's common name, rolesanywhere_common_name, which defaults to the inventory name). Only
    certificates the CA's issuer signed count: a host or the service cannot make the controller revoke another CA's
    serials, and a name shared with another CA's certificate is not this CA's host.
    """

    ISSUED_RECORD_SOURCE = "issued.json"
    HOST_SOURCE = "host"
    SERVICE_SOURCE = "service"

    def __init__(self, ca_path, ca=None, certificates=(), common_names=None):
        self.record_path = CaDirectory(ca_path).issued_record
        self.common_names = dict(common_names or {})
        self.by_host = {}  # host -> {serial: set(sources)}
        self.by_common_name = {}  # common name -> set(serials), from the service
        self.serials = set()
        record = respelled_serial_keys(read_json_record(self.record_path))
        for key, entry in record.items():
            if _is_hex(key):
                self.serials.add(int(key, 16))
                if isinstance(entry, dict) and entry.get("host"):
                    self._add(entry["host"], int(key, 16), self.ISSUED_RECORD_SOURCE)
        for host, cert in certificates:
            if ca is None or not pki.verify_issued_by(cert, ca.issuer_cert):
                continue
            self.serials.add(cert.serial_number)
            if host:
                self._add(host, cert.serial_number, self.HOST_SOURCE)
            for common_name in _common_names_of(cert):
                self.by_common_name.setdefault(common_name, set()).add(cert.serial_number)

    def _add(self, host, serial, source):
        self.by_host.setdefault(host, {}).setdefault(serial, set()).add(source)

    def serials_of(self, host):
        """{serial: sorted sources} of every certificate known to be the host's; empty when none is."""
        found = dict((serial, set(sources)) for serial, sources in self.by_host.get(host, {}).items())
        for serial in self.by_common_name.get(self.common_names.get(host) or host, ()):
            found.setdefault(serial, set()).add(self.SERVICE_SOURCE)
        return dict((serial, sorted(sources)) for serial, sources in found.items())

    def knows_host(self, host):
        return bool(self.serials_of(host))


def _common_names_of(cert):
    return [attribute.value for attribute in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def serials_issued_to(ca_path, hosts, known=None):
    """host -> [serial ...] of every certificate known to be the host's; a host none is known of is an error naming the fix."""
    known = known or KnownCertificates(ca_path)
    found = {}
    for host in hosts:
        serials = sorted(pki.serial_hex(serial) for serial in known.serials_of(host))
        if not serials:
            raise CertificateRuleError(
                "no certificate issued to '%s' is known (%s); pass its serial (certificate_request reports it) "
                "instead of the host name" % (host, _sources_text(known.record_path)),
                rule="unknown_host",
                field="hosts",
            )
        found[host] = serials
    return found


def _sources_text(record_path):
    return (
        "neither recorded in %s, nor reported by the host's certificate file, nor recorded by IAM Roles Anywhere for a "
        "subject with the host's common name (rolesanywhere_common_name)" % record_path
    )


def resolve_revocation(ca_path, hosts, serials, already_revoked=(), known=None):
    """Turn the names and serials to revoke into serials, before anything is written.

    Returns (serials as ints, {serial: host label}, {host: [serial hex ...]}). Every value must match something this CA
    knows (``KnownCertificates``; issued.json alone by default): a host with a certificate of this CA, or the serial of
    a certificate it issued (or one a CRL of it already revokes). A value in ``serials`` that is a known host name (a
    name like 'db07' looks like hex) counts as that host. Everything that matches nothing is one error naming each
    value, so nothing is half revoked.
    """
    known = known or KnownCertificates(ca_path)
    known_serials = known.serials | set(already_revoked)
    host_names = list(hosts)
    wanted, unknown = [], []
    for value in serials:
        if known.knows_host(value):
            host_names.append(value)
            continue
        try:
            serial = parse_serial(value)
        except CertificateRuleError:
            unknown.append(value)
            continue
        if serial in known_serials:
            wanted.append(serial)
        else:
            unknown.append(value)
    unknown += [host for host in host_names if not known.knows_host(host)]
    if unknown:
        raise CertificateRuleError(
            "nothing is revoked: %s match%s nothing this CA knows - neither a host with a certificate of this CA (%s) nor "
            "the serial of a certificate it issued (serials in hex as `openssl x509 -serial -noout` prints them, or "
            "dec:<decimal>). Check the spelling, or pass the certificate's serial instead of the host name; a certificate "
            "from another CA is revoked by that CA's CRL"
            % (
                ", ".join("'%s'" % value for value in unknown),
                "es" if len(unknown) == 1 else "",
                _sources_text(known.record_path),
            ),
            rule="unknown_revocation",
            field="hosts",
        )
    by_host = serials_issued_to(ca_path, list(dict.fromkeys(host_names)), known) if host_names else {}
    labels = {}
    for host, host_serials in by_host.items():
        for text in host_serials:
            serial = int(text, 16)
            wanted.append(serial)
            labels[serial] = host
    return wanted, labels, by_host


def _is_hex(text):
    try:
        int(str(text), 16)
    except ValueError:
        return False
    return True
