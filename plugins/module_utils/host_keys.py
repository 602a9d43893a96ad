# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host side of enrolment: the private key, the CSR, and what the installed certificate looks like.

This runs on managed hosts, where only the Python standard library can be assumed, plus EITHER the
``cryptography`` package OR the ``openssl`` command. Both backends offer the same small interface;
``cryptography`` is imported only when that backend is chosen, so the file imports on a bare host.
Private key bytes stay inside this process: they are written to their file and never returned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.pki import serial_hex

KEY_TYPES = ("ec-p256", "ec-p384", "ec-p521", "rsa-2048", "rsa-3072", "rsa-4096")

# OIDs needed to tell key types apart from a SubjectPublicKeyInfo, without any crypto library.
OID_RSA = "1.2.840.113549.1.1.1"
OID_EC = "1.2.840.10045.2.1"
CURVE_BY_OID = {"1.2.840.10045.3.1.7": "p256", "1.3.132.0.34": "p384", "1.3.132.0.35": "p521"}
CURVE_NAMES = {"p256": ("P-256", "prime256v1"), "p384": ("P-384", "secp384r1"), "p521": ("P-521", "secp521r1")}

# Subject attributes a request may carry, with their openssl short names and 'multiline' long names.
SUBJECT_ATTRIBUTES = (("organization", "O", "organizationName"),
                      ("organizational_unit", "OU", "organizationalUnitName"),
                      ("common_name", "CN", "commonName"))


class HostKeyError(Exception):
    """Something on the host prevents enrolment; the message names the cause and the fix."""


# --- a minimal DER reader: just enough to classify a public key -------------------------------------------------------

def _der_element(data, offset):
    """Return (tag, content_start, content_end) of the DER element at ``offset``."""
    if offset + 2 > len(data):
        raise ValueError("truncated DER")
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[offset:offset + count], "big")
        offset += count
    if offset + length > len(data):
        raise ValueError("truncated DER")
    return tag, offset, offset + length


def _der_children(data, start, end):
    children = []
    while start < end:
        tag, content_start, content_end = _der_element(data, start)
        children.append((tag, content_start, content_end))
        start = content_end
    return children


def _oid_text(raw):
    if not raw:
        raise ValueError("empty OID")
    first = raw[0]
    parts = [str(min(first // 40, 2)), str(first - 40 * min(first // 40, 2))]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(str(value))
            value = 0
    return ".".join(parts)


def key_type_of_spki(der):
    """'ec-p256', 'rsa-2048', ... for a DER SubjectPublicKeyInfo; 'unsupported' for anything else."""
    try:
        start, end = _der_element(der, 0)[1:]
        algorithm, bit_string = _der_children(der, start, end)[:2]
        algorithm_parts = _der_children(der, algorithm[1], algorithm[2])
        oid = _oid_text(der[algorithm_parts[0][1]:algorithm_parts[0][2]])
        if oid == OID_EC and len(algorithm_parts) > 1:
            curve = CURVE_BY_OID.get(_oid_text(der[algorithm_parts[1][1]:algorithm_parts[1][2]]))
            return "ec-%s" % curve if curve else "unsupported"
        if oid == OID_RSA:
            # The BIT STRING holds one 'unused bits' byte, then SEQUENCE { INTEGER modulus, INTEGER exponent }.
            rsa_start, rsa_end = _der_element(der, bit_string[1] + 1)[1:]
            modulus = _der_children(der, rsa_start, rsa_end)[0]
            return "rsa-%d" % int.from_bytes(der[modulus[1]:modulus[2]], "big").bit_length()
    except (ValueError, IndexError):
        pass
    return "unsupported"


def pem_to_der(pem_text, label):
    match = re.search(r"-----BEGIN %s-----(.*?)-----END %s-----" % (label, label), pem_text, re.S)
    if not match:
        raise ValueError("no PEM %s" % label)
    try:
        return base64.b64decode("".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("bad base64 in PEM %s" % label)


def first_pem_certificate(pem_text):
    match = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", pem_text or "", re.S)
    return match.group(0) + "\n" if match else None


# --- backends ----------------------------------------------------------------------------------------------------------

class CryptographyBackend:
    """python3-cryptography; imported on first use so hosts without it still load this file."""

    name = "cryptography"

    def __init__(self):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
        from cryptography.x509.oid import NameOID
        self.x509, self.hashes, self.serialization = x509, hashes, serialization
        self.ec, self.padding, self.rsa, self.NameOID = ec, padding, rsa, NameOID

    def _spki(self, public_key):
        return public_key.public_bytes(self.serialization.Encoding.DER, self.serialization.PublicFormat.SubjectPublicKeyInfo)

    def _load_key(self, key_pem):
        try:
            return self.serialization.load_pem_private_key(key_pem, password=None)
        except (TypeError, ValueError) as exc:
            raise HostKeyError("the private key cannot be read (%s)" % exc)

    def public_key_der(self, key_pem):
        return self._spki(self._load_key(key_pem).public_key())

    def generate_key(self, key_type):
        if key_type.startswith("rsa-"):
            key = self.rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
        else:
            curve = {"ec-p256": self.ec.SECP256R1, "ec-p384": self.ec.SECP384R1, "ec-p521": self.ec.SECP521R1}[key_type]
            key = self.ec.generate_private_key(curve())
        return key.private_bytes(self.serialization.Encoding.PEM, self.serialization.PrivateFormat.PKCS8,
                                 self.serialization.NoEncryption())

    def make_csr(self, key_pem, key_path, subject, dns_names):  # pylint: disable=unused-argument
        oids = {"common_name": self.NameOID.COMMON_NAME, "organization": self.NameOID.ORGANIZATION_NAME,
                "organizational_unit": self.NameOID.ORGANIZATIONAL_UNIT_NAME}
        name = self.x509.Name([self.x509.NameAttribute(oids[field], value) for field, value in subject])
        builder = self.x509.CertificateSigningRequestBuilder().subject_name(name)
        if dns_names:
            builder = builder.add_extension(self.x509.SubjectAlternativeName([self.x509.DNSName(n) for n in dns_names]), critical=False)
        csr = builder.sign(self._load_key(key_pem), self.hashes.SHA256())
        return csr.public_bytes(self.serialization.Encoding.PEM).decode("ascii")

    def certificate_info(self, cert_pem):
        try:
            cert = self.x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
            not_before = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)
            not_after = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
            subject = {}
            oid_names = {"CN": "COMMON_NAME", "O": "ORGANIZATION_NAME", "OU": "ORGANIZATIONAL_UNIT_NAME"}
            for field, short, unused_long_name in SUBJECT_ATTRIBUTES:
                values = cert.subject.get_attributes_for_oid(getattr(self.NameOID, oid_names[short]))
                if values:
                    subject[field] = values[0].value
            try:
                san = cert.extensions.get_extension_for_class(self.x509.SubjectAlternativeName).value
                dns_names = sorted(san.get_values_for_type(self.x509.DNSName))
            except self.x509.ExtensionNotFound:
                dns_names = []
            return {"serial": serial_hex(cert.serial_number), "not_before": not_before, "not_after": not_after,
                    "subject": subject, "issuer": cert.issuer.rfc4514_string(), "dns_names": dns_names,
                    "public_key_der": self._spki(cert.public_key())}
        except (ValueError, TypeError, self.x509.InvalidVersion) as exc:
            raise HostKeyError("the certificate cannot be read (%s)" % exc)

    def issued_by(self, cert_pem, issuer_pem):
        """Signature check by hand (RSA PKCS#1 v1.5 or ECDSA), so old cryptography releases work as well."""
        try:
            cert = self.x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
            issuer = self.x509.load_pem_x509_certificate(issuer_pem.encode("ascii"))
            if cert.issuer != issuer.subject:
                return False
            public_key = issuer.public_key()
            if isinstance(public_key, self.rsa.RSAPublicKey):
                public_key.verify(cert.signature, cert.tbs_certificate_bytes, self.padding.PKCS1v15(), cert.signature_hash_algorithm)
            elif isinstance(public_key, self.ec.EllipticCurvePublicKey):
                public_key.verify(cert.signature, cert.tbs_certificate_bytes, self.ec.ECDSA(cert.signature_hash_algorithm))
            else:
                return False
        except Exception:  # pylint: disable=broad-except
            # Any failure to verify (bad signature, unreadable input, unsupported algorithm) means "not issued by it".
            return False
        return True


class OpenSSLBackend:
    """The ``openssl`` command (OpenSSL 1.1.1 or later); keys travel through pipes, never through extra files."""

    name = "openssl"

    def __init__(self, binary=None):
        self.binary = binary or shutil.which("openssl")
        if not self.binary:
            raise HostKeyError("the openssl command is not installed")

    def _run(self, args, data=None, what="openssl"):
        try:
            process = subprocess.run([self.binary] + args, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # pylint: disable=ansible-bad-function
                                     env=dict(os.environ, LC_ALL="C"), check=False)
        except OSError as exc:
            raise HostKeyError("cannot run %s: %s" % (self.binary, exc))
        if process.returncode != 0:
            raise HostKeyError("%s failed: %s" % (what, process.stderr.decode("utf-8", "replace").strip()[:500]))
        return process.stdout

    def public_key_der(self, key_pem):
        return self._run(["pkey", "-pubout", "-outform", "DER", "-passin", "pass:"], key_pem, "reading the private key")

    def generate_key(self, key_type):
        if key_type.startswith("rsa-"):
            args = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%s" % key_type[4:]]
        else:
            args = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:%s" % CURVE_NAMES[key_type[3:]][0],
                    "-pkeyopt", "ec_param_enc:named_curve"]
        return self._run(["genpkey"] + args, None, "generating the private key")

    @staticmethod
    def _subject_argument(subject):
        # -subj syntax: /type=value/...; '/', '+', '=' and '\\' inside values are escaped with a backslash.
        def escape(value):
            return re.sub(r"([\\/+=])", r"\\\1", value)
        shorts = dict((attribute[0], attribute[1]) for attribute in SUBJECT_ATTRIBUTES)
        return "".join("/%s=%s" % (shorts[field], escape(value)) for field, value in subject)

    def make_csr(self, key_pem, key_path, subject, dns_names):  # pylint: disable=unused-argument
        # The key travels through a pipe: openssl never opens key_path itself, which could be swapped for a link
        # between our symlink-proof read and openssl's open, and the key is never copied to another file.
        args = ["req", "-new", "-sha256", "-utf8", "-key", "/dev/stdin", "-subj", self._subject_argument(subject)]
        if dns_names:
            args += ["-addext", "subjectAltName=" + ",".join("DNS:%s" % n for n in dns_names)]
        return self._run(args, key_pem, "creating the certificate request").decode("ascii")

    def certificate_info(self, cert_pem):
        data = cert_pem.encode("ascii")
        text = self._run(["x509", "-noout", "-serial", "-startdate", "-enddate", "-issuer", "-nameopt", "RFC2253"], data,
                         "reading the certificate").decode("utf-8", "replace")
        fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        subject_text = self._run(["x509", "-noout", "-subject", "-nameopt", "multiline,utf8,-esc_msb"], data,
                                 "reading the certificate subject").decode("utf-8", "replace")
        longs = dict((attribute[2], attribute[0]) for attribute in SUBJECT_ATTRIBUTES)
        subject = {}
        for line in subject_text.splitlines()[1:]:
            name, separator, value = line.strip().partition(" = ")
            if not separator:
                continue
            name = name.strip()
            if name in longs and longs[name] not in subject:
                subject[longs[name]] = value.strip()
        try:
            san_text = self._run(["x509", "-noout", "-ext", "subjectAltName"], data, "reading the SAN").decode("utf-8", "replace")
        except HostKeyError:
            san_text = ""
        pubkey_pem = self._run(["x509", "-noout", "-pubkey"], data, "reading the certificate key").decode("ascii")
        # Normalised to the collection's one spelling (openssl's: whole bytes, upper case), whatever the openssl version.
        serial_text = fields.get("serial", "").strip()
        return {"serial": serial_hex(int(serial_text, 16)) if serial_text else "",
                "not_before": _openssl_time(fields.get("notBefore", "")),
                "not_after": _openssl_time(fields.get("notAfter", "")),
                "subject": subject, "issuer": fields.get("issuer", "").strip(),
                "dns_names": sorted(re.findall(r"DNS:([^,\s]+)", san_text)),
                "public_key_der": pem_to_der(pubkey_pem, "PUBLIC KEY")}

    def issued_by(self, cert_pem, issuer_pem):
        with tempfile.TemporaryDirectory(prefix="rolesanywhere-verify-") as workdir:
            issuer_path, cert_path = os.path.join(workdir, "issuer.pem"), os.path.join(workdir, "cert.pem")
            for path, content in ((issuer_path, issuer_pem), (cert_path, cert_pem)):
                with open(path, "w") as handle:
                    handle.write(content)
            # -partial_chain: the issuer may be an intermediate; -no_check_time: expiry is judged separately.
            try:
                self._run(["verify", "-partial_chain", "-no_check_time", "-CAfile", issuer_path, cert_path], None, "verify")
            except HostKeyError:
                return False
        return True


def _openssl_time(text):
    try:
        return datetime.datetime.strptime(text.strip(), "%b %d %H:%M:%S %Y GMT").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise HostKeyError("openssl printed an unexpected date '%s'" % text)


def _cryptography_importable():
    try:
        import cryptography.x509  # pylint: disable=unused-import
    except ImportError:
        return False
    return True


def select_backend(preference="auto"):
    """'cryptography' or 'openssl' when forced; 'auto' prefers cryptography and falls back to openssl."""
    if preference in ("auto", "cryptography") and _cryptography_importable():
        return CryptographyBackend()
    if preference == "cryptography":
        raise HostKeyError("backend 'cryptography' was asked for but python3-cryptography is not installed on the host; "
                           "install it or use backend: openssl")
    if shutil.which("openssl"):
        return OpenSSLBackend()
    if preference == "openssl":
        raise HostKeyError("backend 'openssl' was asked for but the openssl command is not installed on the host; install openssl")
    raise HostKeyError("the host has neither python3-cryptography nor the openssl command; install one of them")


# --- the decisions ----------------------------------------------------------------------------------------------------

def key_decision(backend, key_pem, key_type, rotate):
    """(generate?, reason) for the private key."""
    if rotate:
        return True, "rotation requested"
    if key_pem is None:
        return True, "no private key yet"
    actual = key_type_of_spki(backend.public_key_der(key_pem))
    if actual != key_type:
        return True, "the key is %s but %s is requested" % (actual, key_type)
    return False, None


def expires_within(not_after, days, now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return not_after - now <= datetime.timedelta(days=days)


def installed_state(backend, cert_pem, key_pem, issuer_pem, renew_before_days, subject, dns_names, now=None):
    """What the installed certificate looks like and why, if at all, a new one is needed."""
    if cert_pem is None:
        return {"exists": False}, ["no certificate installed"]
    try:
        info = backend.certificate_info(cert_pem)
    except (HostKeyError, ValueError) as exc:
        return {"exists": True, "readable": False}, ["the installed certificate cannot be read (%s)" % exc]
    now = now or datetime.datetime.now(datetime.timezone.utc)
    matches_key = key_pem is not None and info["public_key_der"] == backend.public_key_der(key_pem)
    issued_by = backend.issued_by(cert_pem, issuer_pem) if issuer_pem else None
    state = {
        "exists": True,
        "readable": True,
        "serial": info["serial"],
        "not_before": info["not_before"].isoformat(),
        "not_after": info["not_after"].isoformat(),
        "subject": info["subject"],
        "issuer": info["issuer"],
        "dns_names": info["dns_names"],
        "fingerprint": hashlib.sha256(pem_to_der(cert_pem, "CERTIFICATE")).hexdigest().upper(),
        "matches_key": matches_key,
        "issued_by": issued_by,
        "expires_within": expires_within(info["not_after"], renew_before_days, now),
        "certificate": cert_pem,
    }
    reasons = []
    if not matches_key:
        reasons.append("the certificate does not match the private key")
    if issued_by is False:
        reasons.append("the certificate was issued by a different CA")
    if info["not_before"] > now:
        reasons.append("the certificate is not valid yet")
    if state["expires_within"]:
        reasons.append("the certificate expires within %d days (%s)" % (renew_before_days, state["not_after"]))
    if info["subject"] != dict(subject):
        reasons.append("the certificate subject %s differs from the requested %s" % (info["subject"], dict(subject)))
    if sorted(dns_names) != info["dns_names"]:
        reasons.append("the certificate DNS names %s differ from the requested %s" % (info["dns_names"], sorted(dns_names)))
    return state, reasons


# --- the key/certificate pair on disk -------------------------------------------------------------------------------
#
# A rotation must never leave a key next to a certificate of another key. The new key is written beside the working
# one as private-key.pem.next, the CSR is made from it, and only the certificate install puts key and certificate in
# place, one rename after the other in the same directory. A run that stops anywhere in between leaves the working
# pair untouched; the next run reuses the pending key (or removes it when no new key is wanted any more) and completes
# an install that was stopped between its two renames.

KEY_FILE = "private-key.pem"
CERT_FILE = "certificate.pem"
CHAIN_FILE = "chain.pem"
CA_FILE = "ca.pem"
PENDING_SUFFIX = ".next"


class PairFiles:
    """The paths of one host's pair, the pending key and certificate included, in ``cert_dir``."""

    def __init__(self, cert_dir):
        self.cert_dir = cert_dir
        self.key = os.path.join(cert_dir, KEY_FILE)
        self.certificate = os.path.join(cert_dir, CERT_FILE)
        self.chain = os.path.join(cert_dir, CHAIN_FILE)
        self.ca_certificate = os.path.join(cert_dir, CA_FILE)
        self.pending_key = self.key + PENDING_SUFFIX
        self.pending_certificate = self.certificate + PENDING_SUFFIX

    def swap_renames(self):
        """The renames that put a pending pair in place: the key first, so a stop between the two leaves a pending
        certificate that matches the live key, which the next run recognises and completes."""
        return [(KEY_FILE + PENDING_SUFFIX, KEY_FILE), (CERT_FILE + PENDING_SUFFIX, CERT_FILE)]


def public_key_or_none(backend, key_pem):
    """The DER public key of a private key, or None when there is no key or it cannot be read."""
    if key_pem is None:
        return None
    try:
        return backend.public_key_der(key_pem)
    except HostKeyError:
        return None


def certificate_key_or_none(backend, cert_pem):
    """The DER public key inside a certificate, or None when there is none or it cannot be read."""
    if cert_pem is None:
        return None
    try:
        return backend.certificate_info(cert_pem)["public_key_der"]
    except (HostKeyError, ValueError):
        return None


def interrupted_install_step(live_public, pending_public, pending_cert_public):
    """What to do with a pending certificate left by an install that stopped: 'complete' (rename the pending key and
    certificate into place), 'certificate' (the key was renamed already: rename the certificate) or 'discard'."""
    if pending_cert_public is None:
        return "discard"
    if pending_public is not None and pending_cert_public == pending_public:
        return "complete"
    if live_public is not None and pending_cert_public == live_public:
        return "certificate"
    return "discard"


def pending_key_reusable(backend, pending_pem, key_type):
    """A pending key left by an interrupted rotation is reused when it is readable and of the requested type."""
    public = public_key_or_none(backend, pending_pem)
    return public is not None and key_type_of_spki(public) == key_type
