# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one crypto layer of everything that runs on managed hosts.

Key generation and CSRs (host_keys), certificate facts and key matching (host_inspection) and request signing
(sigv4x509) all go through the two backends here: python3-cryptography, or the ``openssl`` command (OpenSSL 1.1.1 or
later) for hosts without it. Both offer the same methods and return the same facts, and one rule picks between them.

This file is also bundled into the standalone credential program installed on hosts, so it uses the Python standard
library only: no Ansible imports, and ``cryptography`` is imported only when that backend is chosen. Private key bytes
stay inside the process: the openssl backend hands them over through a pipe, never through a file.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import os
import re
import shutil
import subprocess
import tempfile

PREFERENCES = ("auto", "cryptography", "openssl")
KEY_TYPES = ("ec-p256", "ec-p384", "ec-p521", "rsa-2048", "rsa-3072", "rsa-4096")

# OIDs needed to tell key types apart from a SubjectPublicKeyInfo, without any crypto library.
OID_RSA = "1.2.840.113549.1.1.1"
OID_EC = "1.2.840.10045.2.1"
CURVE_BY_OID = {"1.2.840.10045.3.1.7": "p256", "1.3.132.0.34": "p384", "1.3.132.0.35": "p521"}
CURVE_NAMES = {"p256": ("P-256", "prime256v1"), "p384": ("P-384", "secp384r1"), "p521": ("P-521", "secp521r1")}

# Subject attributes a request may carry, with their openssl short names and 'multiline' long names.
SUBJECT_ATTRIBUTES = (
    ("organization", "O", "organizationName"),
    ("organizational_unit", "OU", "organizationalUnitName"),
    ("common_name", "CN", "commonName"),
)

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


class CryptoError(Exception):
    """A key or certificate cannot be used, or no backend is available; the message names the cause and the fix.

    ``detail`` is the underlying reason alone (for callers that word the message their own way) and
    ``encrypted_key`` tells an encrypted private key apart from an unreadable one.
    """

    def __init__(self, message, detail=None, encrypted_key=False):
        super(CryptoError, self).__init__(message)
        self.detail = detail if detail is not None else message
        self.encrypted_key = encrypted_key


class DerError(ValueError):
    """The DER bytes are not what they should be."""


# --- PEM --------------------------------------------------------------------------------------------------------------


def _text(data):
    return data.decode("ascii", "replace") if isinstance(data, (bytes, bytearray)) else (data or "")


def pem_texts(data, label):
    """Every PEM block called ``label`` in ``data`` (text or bytes), each as text ending with a newline, in order."""
    return [match.group(0) + "\n" for match in _PEM_BLOCK.finditer(_text(data)) if match.group(1) == label]


def pem_blocks(data, label):
    """The DER bytes of every PEM block called ``label`` in ``data`` (text or bytes), in order."""
    blocks = []
    for match in _PEM_BLOCK.finditer(_text(data)):
        if match.group(1) != label:
            continue
        try:
            blocks.append(base64.b64decode("".join(match.group(2).split()), validate=True))
        except (binascii.Error, ValueError):
            raise ValueError("a PEM %s block is not valid base64" % label)
    return blocks


def pem_to_der(pem_text, label):
    """The DER bytes of the first PEM block called ``label``."""
    blocks = pem_blocks(pem_text, label)
    if not blocks:
        raise ValueError("no PEM %s" % label)
    return blocks[0]


def first_pem_certificate(pem_text):
    """The first PEM certificate of a bundle, or None."""
    certificates = pem_texts(pem_text, "CERTIFICATE")
    return certificates[0] if certificates else None


def serial_hex(serial_number):
    """A serial as ``openssl x509 -serial`` prints it (upper-case hex of whole bytes): the collection's one spelling."""
    digits = "%X" % serial_number
    return digits if len(digits) % 2 == 0 else "0" + digits


# --- one small DER walker ---------------------------------------------------------------------------------------------


def der_element(data, offset):
    """(tag, content_start, end) of the DER element at ``offset``."""
    if offset + 2 > len(data):
        raise DerError("DER is truncated")
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise DerError("DER has an invalid length")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    if offset + length > len(data):
        raise DerError("DER is truncated")
    return tag, offset, offset + length


def der_children(data, start, end):
    """[(tag, element_start, content_start, end)] of the elements between ``start`` and ``end``."""
    children = []
    while start < end:
        tag, content_start, element_end = der_element(data, start)
        children.append((tag, start, content_start, element_end))
        start = element_end
    return children


def oid_text(raw):
    """Dotted text of the content bytes of a DER OBJECT IDENTIFIER."""
    if not raw:
        raise DerError("empty OID")
    first = raw[0]
    parts = [str(min(first // 40, 2)), str(first - 40 * min(first // 40, 2))]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(str(value))
            value = 0
    return ".".join(parts)


def spki_algorithm(der):
    """(algorithm OID bytes, parameter OID bytes or None) of a DER SubjectPublicKeyInfo."""
    start, end = der_element(der, 0)[1:]
    algorithm = der_children(der, start, end)[0]
    parts = der_children(der, algorithm[2], algorithm[3])
    parameter = bytes(der[parts[1][2] : parts[1][3]]) if len(parts) > 1 and parts[1][0] == 0x06 else None
    return bytes(der[parts[0][2] : parts[0][3]]), parameter


def key_type_of_spki(der):
    """'ec-p256', 'rsa-2048', ... for a DER SubjectPublicKeyInfo; 'unsupported' for anything else."""
    try:
        algorithm, parameter = spki_algorithm(der)
        oid = oid_text(algorithm)
        if oid == OID_EC and parameter is not None:
            curve = CURVE_BY_OID.get(oid_text(parameter))
            return "ec-%s" % curve if curve else "unsupported"
        if oid == OID_RSA:
            # The BIT STRING holds one 'unused bits' byte, then SEQUENCE { INTEGER modulus, INTEGER exponent }.
            start, end = der_element(der, 0)[1:]
            bit_string = der_children(der, start, end)[1]
            rsa_start, rsa_end = der_element(der, bit_string[2] + 1)[1:]
            modulus = der_children(der, rsa_start, rsa_end)[0]
            return "rsa-%d" % int.from_bytes(der[modulus[2] : modulus[3]], "big").bit_length()
    except (ValueError, IndexError):
        pass
    return "unsupported"


def certificate_der_facts(der):
    """(serial, key algorithm OID bytes, SubjectPublicKeyInfo DER) of a DER certificate, read without any library."""
    try:
        tag, content, end = der_element(der, 0)
        if tag != 0x30:
            raise DerError("certificate is not a DER SEQUENCE")
        tag, tbs_content, tbs_end = der_element(der, content)
        if tag != 0x30:
            raise DerError("certificate has no tbsCertificate")
        fields = der_children(der, tbs_content, tbs_end)
        if fields and fields[0][0] == 0xA0:  # explicit [0] version; absent means v1
            fields = fields[1:]
        if len(fields) < 6 or fields[0][0] != 0x02:
            raise DerError("certificate has no serial number")
        serial = int.from_bytes(der[fields[0][2] : fields[0][3]], "big", signed=True)
        spki_start, spki_end = fields[5][1], fields[5][3]
        spki = bytes(der[spki_start:spki_end])
        return serial, spki_algorithm(spki)[0], spki
    except IndexError:
        raise DerError("certificate has no readable public key")
    except DerError as exc:
        text = str(exc)
        raise DerError(text if text.startswith("certificate") else "certificate " + text)


# --- backends ---------------------------------------------------------------------------------------------------------
#
# Both offer: public_key_der, generate_key, make_csr, certificate_info, issued_by and sign, with the same results.


def _utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


class CryptographyBackend:
    """python3-cryptography; imported on first use so hosts without it still load this file."""

    name = "cryptography"

    def __init__(self):
        # pylint: disable=import-outside-toplevel
        from cryptography import x509
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
        from cryptography.x509.oid import NameOID

        self.x509, self.hashes, self.serialization = x509, hashes, serialization
        self.ec, self.padding, self.rsa, self.NameOID = ec, padding, rsa, NameOID
        self.UnsupportedAlgorithm = UnsupportedAlgorithm

    def _spki(self, public_key):
        return public_key.public_bytes(
            self.serialization.Encoding.DER, self.serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def _load_key(self, key_pem):
        if isinstance(key_pem, str):
            key_pem = key_pem.encode("ascii")
        try:
            return self.serialization.load_pem_private_key(key_pem, password=None)
        except (TypeError, ValueError, self.UnsupportedAlgorithm) as exc:
            # TypeError is how cryptography says "this key needs a password".
            raise CryptoError("the private key cannot be read (%s)" % exc, str(exc), isinstance(exc, TypeError))

    def _load_certificate(self, cert_pem):
        return self.x509.load_pem_x509_certificate(_text(cert_pem).encode("ascii"))

    def public_key_der(self, key_pem):
        return self._spki(self._load_key(key_pem).public_key())

    def generate_key(self, key_type):
        if key_type.startswith("rsa-"):
            key = self.rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
        else:
            curve = {"ec-p256": self.ec.SECP256R1, "ec-p384": self.ec.SECP384R1, "ec-p521": self.ec.SECP521R1}[key_type]
            key = self.ec.generate_private_key(curve())
        return key.private_bytes(
            self.serialization.Encoding.PEM, self.serialization.PrivateFormat.PKCS8, self.serialization.NoEncryption()
        )

    def make_csr(self, key_pem, key_path, subject, dns_names):  # pylint: disable=unused-argument
        oids = {
            "common_name": self.NameOID.COMMON_NAME,
            "organization": self.NameOID.ORGANIZATION_NAME,
            "organizational_unit": self.NameOID.ORGANIZATIONAL_UNIT_NAME,
        }
        name = self.x509.Name([self.x509.NameAttribute(oids[field], value) for field, value in subject])
        builder = self.x509.CertificateSigningRequestBuilder().subject_name(name)
        if dns_names:
            builder = builder.add_extension(
                self.x509.SubjectAlternativeName([self.x509.DNSName(n) for n in dns_names]), critical=False
            )
        csr = builder.sign(self._load_key(key_pem), self.hashes.SHA256())
        return csr.public_bytes(self.serialization.Encoding.PEM).decode("ascii")

    def _subject_fields(self, cert):
        subject = {}
        oid_names = {"CN": "COMMON_NAME", "O": "ORGANIZATION_NAME", "OU": "ORGANIZATIONAL_UNIT_NAME"}
        for field, short, unused_long_name in SUBJECT_ATTRIBUTES:
            values = cert.subject.get_attributes_for_oid(getattr(self.NameOID, oid_names[short]))
            if values:
                subject[field] = values[0].value
        return subject

    def _dns_names(self, cert):
        try:
            san = cert.extensions.get_extension_for_class(self.x509.SubjectAlternativeName).value
        except self.x509.ExtensionNotFound:
            return []
        return sorted(san.get_values_for_type(self.x509.DNSName))

    def certificate_info(self, cert_pem, names=True):
        """The facts of the first certificate of ``cert_pem``; with ``names`` also its subject fields and DNS names."""
        try:
            cert = self._load_certificate(cert_pem)
            # cryptography >= 42 has the *_utc properties; older distribution packages only the naive ones.
            not_before = getattr(cert, "not_valid_before_utc", None) or _utc(cert.not_valid_before)
            not_after = getattr(cert, "not_valid_after_utc", None) or _utc(cert.not_valid_after)
            info = {
                "serial": serial_hex(cert.serial_number),
                "serial_number": cert.serial_number,
                "not_before": not_before,
                "not_after": not_after,
                "subject_name": cert.subject.rfc4514_string(),
                "issuer": cert.issuer.rfc4514_string(),
                "public_key_der": self._spki(cert.public_key()),
            }
            if names:
                info.update(subject=self._subject_fields(cert), dns_names=self._dns_names(cert))
            return info
        except (ValueError, TypeError, self.x509.InvalidVersion) as exc:
            raise CryptoError("the certificate cannot be read (%s)" % exc, str(exc))

    def issued_by(self, cert_pem, issuer_pem):
        """Signature check by hand (RSA PKCS#1 v1.5 or ECDSA), so old cryptography releases work as well."""
        try:
            cert = self._load_certificate(cert_pem)
            issuer = self._load_certificate(issuer_pem)
            if cert.issuer != issuer.subject:
                return False
            public_key = issuer.public_key()
            if isinstance(public_key, self.rsa.RSAPublicKey):
                public_key.verify(
                    cert.signature, cert.tbs_certificate_bytes, self.padding.PKCS1v15(), cert.signature_hash_algorithm
                )
            elif isinstance(public_key, self.ec.EllipticCurvePublicKey):
                public_key.verify(
                    cert.signature, cert.tbs_certificate_bytes, self.ec.ECDSA(cert.signature_hash_algorithm)
                )
            else:
                return False
        except Exception:  # pylint: disable=broad-except
            # Any failure to verify (bad signature, unreadable input, unsupported algorithm) means "not issued by it".
            return False
        return True

    def sign(self, key_pem, data):
        """SHA-256 signature of ``data``: PKCS#1 v1.5 with an RSA key, DER-encoded ECDSA with an EC key."""
        key = self._load_key(key_pem)
        if isinstance(key, self.rsa.RSAPrivateKey):
            return key.sign(data, self.padding.PKCS1v15(), self.hashes.SHA256())
        if isinstance(key, self.ec.EllipticCurvePrivateKey):
            return key.sign(data, self.ec.ECDSA(self.hashes.SHA256()))
        raise CryptoError("the private key type is not supported (RSA and EC keys are)")


class OpensslBackend:
    """The ``openssl`` command (OpenSSL 1.1.1 or later); keys travel through pipes, never through extra files."""

    name = "openssl"

    def __init__(self, binary=None):
        self.binary = binary or shutil.which("openssl")
        if not self.binary:
            raise CryptoError("the openssl command is not installed")

    def _run(self, args, what, stdin=None, key_pem=None):
        """Run ``openssl <args>``; a ``{key}`` argument becomes a pipe that carries ``key_pem``."""
        read_fd = write_fd = None
        if key_pem is not None:
            read_fd, write_fd = os.pipe()
        try:
            if key_pem is not None:
                # A PEM key is far below the pipe buffer size, so writing before openssl starts cannot block.
                with os.fdopen(write_fd, "wb") as writer:
                    write_fd = None
                    writer.write(key_pem.encode("ascii") if isinstance(key_pem, str) else key_pem)
                args = [arg.replace("{key}", "/dev/fd/%d" % read_fd) for arg in args]
            # No AnsibleModule (and so no run_command) in the standalone credential program that shares this code.
            process = subprocess.run(  # pylint: disable=ansible-bad-function
                [self.binary] + args,
                input=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(os.environ, LC_ALL="C"),
                check=False,
                pass_fds=(read_fd,) if read_fd is not None else (),
            )
        except OSError as exc:
            raise CryptoError("cannot run %s: %s" % (self.binary, exc))
        finally:
            for descriptor in (read_fd, write_fd):
                if descriptor is not None:
                    os.close(descriptor)
        if process.returncode != 0:
            lines = [line.strip() for line in process.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
            detail = "; ".join(lines)[:500] or "exit code %d" % process.returncode
            raise CryptoError("%s failed: %s" % (what, detail), detail)
        return process.stdout

    @staticmethod
    def _refuse_encrypted(key_pem):
        if b"ENCRYPTED" in (key_pem.encode("ascii") if isinstance(key_pem, str) else key_pem):
            raise CryptoError("the private key cannot be read (it is encrypted)", "it is encrypted", True)

    def public_key_der(self, key_pem):
        self._refuse_encrypted(key_pem)
        return self._run(
            ["pkey", "-in", "{key}", "-pubout", "-outform", "DER", "-passin", "pass:"],
            "reading the private key",
            key_pem=key_pem,
        )

    def generate_key(self, key_type):
        if key_type.startswith("rsa-"):
            args = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%s" % key_type[4:]]
        else:
            args = [
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:%s" % CURVE_NAMES[key_type[3:]][0],
                "-pkeyopt",
                "ec_param_enc:named_curve",
            ]
        return self._run(["genpkey"] + args, "generating the private key")

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
        args = ["req", "-new", "-sha256", "-utf8", "-key", "{key}", "-subj", self._subject_argument(subject)]
        if dns_names:
            args += ["-addext", "subjectAltName=" + ",".join("DNS:%s" % n for n in dns_names)]
        return self._run(args, "creating the certificate request", key_pem=key_pem).decode("ascii")

    def _subject_fields(self, data):
        text = self._run(
            ["x509", "-noout", "-subject", "-nameopt", "multiline,utf8,-esc_msb"],
            "reading the certificate subject",
            stdin=data,
        ).decode("utf-8", "replace")
        longs = dict((attribute[2], attribute[0]) for attribute in SUBJECT_ATTRIBUTES)
        subject = {}
        for line in text.splitlines()[1:]:
            name, separator, value = line.strip().partition(" = ")
            name = name.strip()
            if separator and name in longs and longs[name] not in subject:
                subject[longs[name]] = value.strip()
        return subject

    def _dns_names(self, data):
        try:
            text = self._run(["x509", "-noout", "-ext", "subjectAltName"], "reading the SAN", stdin=data).decode(
                "utf-8", "replace"
            )
        except CryptoError:
            return []  # openssl releases disagree on whether a missing extension is an error
        return sorted(re.findall(r"DNS:([^,\s]+)", text))

    def certificate_info(self, cert_pem, names=True):
        """The facts of the first certificate of ``cert_pem``; with ``names`` also its subject fields and DNS names
        (two more openssl runs). Serial and public key come from the DER itself, whatever the openssl version prints."""
        cert_pem = first_pem_certificate(cert_pem) or _text(cert_pem)
        data = cert_pem.encode("ascii")
        text = self._run(
            ["x509", "-noout", "-subject", "-issuer", "-startdate", "-enddate", "-nameopt", "RFC2253"],
            "reading the certificate",
            stdin=data,
        ).decode("utf-8", "replace")
        fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        serial, unused_oid, spki = certificate_der_facts(pem_to_der(cert_pem, "CERTIFICATE"))
        info = {
            "serial": serial_hex(serial),
            "serial_number": serial,
            "not_before": _openssl_time(fields.get("notBefore", "")),
            "not_after": _openssl_time(fields.get("notAfter", "")),
            "subject_name": fields.get("subject", "").strip(),
            "issuer": fields.get("issuer", "").strip(),
            "public_key_der": spki,
        }
        if names:
            info.update(subject=self._subject_fields(data), dns_names=self._dns_names(data))
        return info

    def issued_by(self, cert_pem, issuer_pem):
        with tempfile.TemporaryDirectory(prefix="rolesanywhere-verify-") as workdir:
            issuer_path, cert_path = os.path.join(workdir, "issuer.pem"), os.path.join(workdir, "cert.pem")
            for path, content in ((issuer_path, issuer_pem), (cert_path, cert_pem)):
                with open(path, "w") as handle:
                    handle.write(_text(content))
            # -partial_chain: the issuer may be an intermediate; -no_check_time: expiry is judged separately.
            try:
                self._run(["verify", "-partial_chain", "-no_check_time", "-CAfile", issuer_path, cert_path], "verify")
            except CryptoError:
                return False
        return True

    def sign(self, key_pem, data):
        """SHA-256 signature of ``data``: openssl picks PKCS#1 v1.5 for an RSA key and DER-encoded ECDSA for an EC key."""
        self._refuse_encrypted(key_pem)
        return self._run(["dgst", "-sha256", "-sign", "{key}", "-binary"], "signing", stdin=data, key_pem=key_pem)


def _openssl_time(text):
    # openssl prints e.g. "Nov  5 20:00:00 2027 GMT"; collapse the padding before parsing.
    try:
        moment = datetime.datetime.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT")
    except ValueError:
        raise CryptoError("openssl printed an unexpected date '%s'" % text.strip())
    return moment.replace(tzinfo=datetime.timezone.utc)


# --- the one selection rule -------------------------------------------------------------------------------------------


def cryptography_importable():
    try:
        import cryptography.x509  # noqa: F401 pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        return False
    return True


def select_backend(preference="auto", option="backend", openssl_path=None):
    """The backend for ``preference``: 'cryptography' or 'openssl' when forced; 'auto' prefers cryptography and falls
    back to openssl. ``option`` is the name the caller's users set the preference with; errors name it and the fix."""
    if preference not in PREFERENCES:
        raise CryptoError("%s %r is not valid; use one of %s" % (option, preference, ", ".join(PREFERENCES)))
    if preference in ("auto", "cryptography") and cryptography_importable():
        return CryptographyBackend()
    if preference == "cryptography":
        raise CryptoError(
            "%s 'cryptography' was asked for but python3-cryptography is not installed on the host; "
            "install it or use %s: openssl" % (option, option)
        )
    binary = openssl_path or shutil.which("openssl")
    if binary:
        return OpensslBackend(binary)
    if preference == "openssl":
        raise CryptoError(
            "%s 'openssl' was asked for but the openssl command is not installed on the host; install openssl" % option
        )
    raise CryptoError("the host has neither python3-cryptography nor the openssl command; install one of them")
