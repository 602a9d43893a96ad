"""The one X.509 factory of the tests: keys, CAs, leaves, CSRs, CRLs and PEM helpers.

Every builder follows the Roles Anywhere rules by default (SHA-256, basicConstraints and keyUsage critical, valid from a
day ago for 30 days) and takes keyword arguments to break one rule on purpose. Objects that cryptography refuses to
build (SHA-1 signatures, version 1 certificates) are fixed PEM texts below.
"""

import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

try:
    from cryptography.hazmat.primitives.asymmetric import mldsa
except ImportError:  # cryptography before 47 cannot make ML-DSA keys
    mldsa = None

# A version 1 certificate (no extensions), made once with `openssl x509 -req` without an extension file;
# cryptography can only build v3 certificates.
V1_CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIICrTCCAZUCFCzF438HOb1uv7lyyoQHpMqmslmgMA0GCSqGSIb3DQEBCwUAMBIx
EDAOBgNVBAMMB3YxLWxlYWYwIBcNMjYxMTI1MjAxNzI0WhgPMjEyNjExMDEyMDE3
MjRaMBIxEDAOBgNVBAMMB3YxLWxlYWYwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAw
ggEKAoIBAQDSEssQ//yKSlEzeu8UOiBQe+5umb277wrnPU0oAyN3iuDEj5eTfZPl
Zu2lu3BJ5YaZtreuCLKZ5sCqOkzrmGCVJ+cA6o6IPgZ78hiI0MbhcFxayqTWXmxD
CN3to3dzd55VSAjXijDFHS5P1SHTdWniHx+8GH15xBVSZ+F14ET3WODzMLlCG17Z
z3hMAJwOHwgoZ9U8Q710yxY50+dzn1/Pqi0s3Q3FU3Snh+G8GESkX7uY20n92gWl
DTMivXbzsdFEij9+gs7BFIevNyl1L3Kof+Dh+ghS+RhM/YQDMF2vFKuPoAz+XqVj
hqe3Ofci/UnCSORHwtvM0G4TBhtzhHXfAgMBAAEwDQYJKoZIhvcNAQELBQADggEB
ADtHaL7nhyo0UJtyC0XQnI1FuUx7aTbw08RA5w1j8v34Q8IU3Bco6uSW+ldkjUV9
+B5eb2/ziQhteKACWtAOHdKVSuy59JPuZgoyjOzb0FEIV/aZdpVQl2BlE8pyOeU+
dC7uIw22WEg4LqymXIyPrb+IMucKPxVA5Dy/Un0mZl74MnyWBjVGNK09avoi0R09
EBT+UGvGZwrUXb7pUnKgaA/kQHVf0xzhITTZwi4oyPCfOmGgq0zZHvUPjb69Gtgg
ZALEUbutQkEiiQeHqaacB7UWu3ZXdPrWz8ZGfhU8+k2aqtXnh9FnbmNudg7tEER9
UGO4JXPV037LTVvfxWGy1NE=
-----END CERTIFICATE-----
"""

# SHA-1 signed objects, made once with `openssl req -sha1`; cryptography refuses to sign with SHA-1.
SHA1_CA_CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIIDFzCCAf+gAwIBAgIUcWitAGS4GAt5RqYyTuQ3rrdKK18wDQYJKoZIhvcNAQEF
BQAwEjEQMA4GA1UEAwwHU0hBMSBDQTAgFw0yNjExMjUyMDE4MTRaGA8yMTI2MTEw
MTIwMTgxNFowEjEQMA4GA1UEAwwHU0hBMSBDQTCCASIwDQYJKoZIhvcNAQEBBQAD
ggEPADCCAQoCggEBAMAaC3vYNWtIPl/5jaZHH/Hm5l/KsJ1Xm/shMX86seU61HWI
yfGt12Yb14d0zWLbWy4jtFt+Bqz2zxHywz+12dSvI//c3nvAfIx07Y9WIRYuR95a
WEBxf1YZtKIvM7KuGcS275WvPCR3hxNoTBhsg6eUJen14bmYhelNBLcst8C2gCp3
JvcO2MuaQGFopBjmg4K578XCLVJ5hMEZjUciESbezH4ov8PKPbH9aSmvjUgaqC8S
BdPnfFV5pkUAo7wXnIRhCalWkDwXoZAhU23rOAVvdc0o8yxqgO6EVTiD/txTQ6Mp
rG2caQ2xMkib2B65BYcvbDTcBrFmP5QLL+OjXpUCAwEAAaNjMGEwHQYDVR0OBBYE
FNj2x/YmThU8SupG5gzi8cmz3kg1MB8GA1UdIwQYMBaAFNj2x/YmThU8SupG5gzi
8cmz3kg1MA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMA0GCSqGSIb3
DQEBBQUAA4IBAQA0QTImoBM9HLWVIfUiUFVjKipRVMsdSbb3MWb4HH8/KAWKjra6
mybAodBHIcTdfkAtZvWaZ08p3Afr1lhpg2+WTDWJbdbUbweBNpedKHLcdq7EF4t7
bcOTLp3ehjbfcAZzCHCrmF0w7pv6S8EpQjoN/0SVMnbm9d9NC4tKp7yBfw/mZ+3q
mhv1vC8sleh6AAaZSYxfZJUt8DRurcbHh1jGiFLV7jLjNEYoa/ehrCq23WSmRd0m
ZJ9b6c5nk/uuQz8jx2Ld7IxtYzzIJ9cFP5mzenjEJqv1OGstqVvnTUFE5EWQTHPK
YUnezQqOyi/IRR7VKB6gBilWps75blpbQqpe
-----END CERTIFICATE-----
"""

SHA1_LEAF_CERTIFICATE = """-----BEGIN CERTIFICATE-----
MIIDGDCCAgCgAwIBAgIUCKPc5R+HawhUNGpONp3X0BGJvt8wDQYJKoZIhvcNAQEF
BQAwFDESMBAGA1UEAwwJc2hhMS1sZWFmMCAXDTI2MTEyNTIwMTgxNVoYDzIxMjYx
MTAxMjAxODE1WjAUMRIwEAYDVQQDDAlzaGExLWxlYWYwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQCkQ1dzSiHjE8iAzEmx8NrtiGX/X5raWJ5k2Jqq4SbQ
a3hRqcMfgDUtYpXThNTQdsK2pmX4Hg1DI4D8LAC7ZndIexBYGal24lAuaOWYN77u
+pr2+qGHAwfrgrbT9ecOt5ahiFG7NMxxRWOXfzELlUG4CBsaHAU8RqLRLamwtNh9
XlsS2OiTeYkU2v+zFh+SsKSZgIpefz/T8HGkc+7I79PJdd4J8OWgA52ZA99aUeWi
vqIv9LaiAJGj6aMSKIQxCOJF34NKsOQ6xKCuUr2UKHaHozVgHHhjHZx8TXsT8G4M
tLLvHFIFjuMG3AqjAYnPqKMWxU93eB5eKoC+fnjFdKnxAgMBAAGjYDBeMB0GA1Ud
DgQWBBTByq71AaDaNUNLmR4y5CCvZ8HJYDAfBgNVHSMEGDAWgBTByq71AaDaNUNL
mR4y5CCvZ8HJYDAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDANBgkqhkiG
9w0BAQUFAAOCAQEAJrbqsEoiuaBPe4wJ6t2cD9oX2DaUUN50WDjzLGzu1BhzD1tM
21xHSZceTCCk6tVpa8VY9/sgcVW0A/pR7HTfjrqkpwePA30hA53CQXntlg+osWQX
QNYpDrLJZvameBC2ylYBhiCp34frGGQL6tbNYOdDYCmWPJ7V52PCPll+yqLCKnNx
E+PDYinGtGXllOwnCw760DIzrtdmDrLFE5ThZFj40kkgnHyrls7kZtPQTCTuAhLI
FWw57kZG/2Ed9GmZUqP1WjQRawMM0h35lOTANRsu9DlN9n7632jq36LqNX0GMSKC
L2e64NPHfYL5XmryBL6efodoZYcD9QrYk2gRkA==
-----END CERTIFICATE-----
"""

SHA1_CSR = """-----BEGIN CERTIFICATE REQUEST-----
MIICWDCCAUACAQAwEzERMA8GA1UEAwwIc2hhMS1jc3IwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQCkQ1dzSiHjE8iAzEmx8NrtiGX/X5raWJ5k2Jqq4SbQ
a3hRqcMfgDUtYpXThNTQdsK2pmX4Hg1DI4D8LAC7ZndIexBYGal24lAuaOWYN77u
+pr2+qGHAwfrgrbT9ecOt5ahiFG7NMxxRWOXfzELlUG4CBsaHAU8RqLRLamwtNh9
XlsS2OiTeYkU2v+zFh+SsKSZgIpefz/T8HGkc+7I79PJdd4J8OWgA52ZA99aUeWi
vqIv9LaiAJGj6aMSKIQxCOJF34NKsOQ6xKCuUr2UKHaHozVgHHhjHZx8TXsT8G4M
tLLvHFIFjuMG3AqjAYnPqKMWxU93eB5eKoC+fnjFdKnxAgMBAAGgADANBgkqhkiG
9w0BAQUFAAOCAQEAVSo1PeaeFm/XMeUz7VVxa+NlP3RZ/iV3fhiSPQT+0+H7ONK4
UY11nLNS6WhG3QaCoh2bLSKdwP4ZWV7dPymqJusVWzoo8VCbyIfdPGkkPZkasay0
CVQ1Vtw1qtDqcu8uYK2BrO20tox/67FCM0fEXzp26e8b14qncEeG3F/uf0hfqnYo
QoUUQZXLYReXE1yeoazWbzraLdhdbZba2iJGS0u1Z30x++//5xN4vyhMCqDyaB/n
aja4YUQQCOyeBJfCDrw9Se6eHbczXLNCbIYhAL1u18QTny38X6b2ZAQxIWPcJtIc
DpXbEK7nECj9dXdM1+5X9iG8Z7nWgxrNNFgGUg==
-----END CERTIFICATE REQUEST-----
"""

NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
# A private-enterprise OID no verifier knows: marking it critical must make careful verifiers refuse the certificate.
UNKNOWN_EXTENSION_OID = ObjectIdentifier("1.3.6.1.4.1.55555.1.1")

_CURVES = {
    "ec-p256": ec.SECP256R1,
    "ec-p384": ec.SECP384R1,
    "ec-p521": ec.SECP521R1,
    "ec-k256": ec.SECP256K1,
    "ec-p224": ec.SECP224R1,
}
# Short spellings some tests parametrize with.
_ALIASES = {"ec": "ec-p256", "rsa": "rsa-2048"}
_HASHES = {"sha256": hashes.SHA256, "sha1": hashes.SHA1, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
_KEY_CACHE = {}


def new_key(kind="ec-p256"):
    """A fresh private key: ec-p256/-p384/-p521/-k256/-p224, rsa-<bits>, ed25519, mldsa-44/-65/-87 (or 'ec', 'rsa')."""
    kind = _ALIASES.get(kind, kind)
    if kind in _CURVES:
        return ec.generate_private_key(_CURVES[kind]())
    if kind.startswith("rsa-"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[4:]))
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind.startswith("mldsa-") and mldsa is not None:
        return getattr(mldsa, "MLDSA%sPrivateKey" % kind[6:]).generate()
    raise ValueError("unknown or unavailable key kind %r" % kind)


def key(kind="ec-p256"):
    """Keys are cached per kind: RSA generation is slow and most tests only need distinct kinds."""
    if kind not in _KEY_CACHE:
        _KEY_CACHE[kind] = new_key(kind)
    return _KEY_CACHE[kind]


def name(cn=None, o=None):
    """A distinguished name: CN first, then O when given."""
    attributes = []
    if cn is not None:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    if o is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    return x509.Name(attributes)


def usage(digital_signature=False, key_cert_sign=False, crl_sign=False):
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def name_constraints(permitted_dns=(), excluded_dns=()):
    """A critical-by-convention nameConstraints value limiting the DNS names a CA may certify."""
    return x509.NameConstraints(
        permitted_subtrees=[x509.DNSName(n) for n in permitted_dns] or None,
        excluded_subtrees=[x509.DNSName(n) for n in excluded_dns] or None,
    )


def unknown_extension():
    return x509.UnrecognizedExtension(UNKNOWN_EXTENSION_OID, b"\x05\x00")


def signing_hash(signer_key, algorithm="sha256"):
    """The digest to sign with: none for keys whose signature scheme carries no separate digest (Ed25519, ML-DSA)."""
    if algorithm is None or isinstance(signer_key, ed25519.Ed25519PrivateKey) or _is_mldsa(signer_key):
        return None
    return _HASHES[algorithm]()


def _is_mldsa(private_key):
    return mldsa is not None and type(private_key).__name__.startswith("MLDSA")


def certificate(
    subject_key=None,
    issuer_key=None,
    subject=None,
    issuer=None,
    ca=False,
    key_usage="default",
    basic_constraints=True,
    algorithm="sha256",
    not_before=None,
    not_after=None,
    serial=None,
    path_length=None,
    dns_names=(),
    client_auth=False,
    extensions=(),
    public_key=None,
):
    """A certificate of ``subject_key`` signed by ``issuer_key`` (self-signed without one).

    ``key_usage``: "default" (keyCertSign+cRLSign for a CA, digitalSignature for a leaf), None to leave it out, or a
    KeyUsage. ``extensions``: extra (value, critical) pairs, e.g. name constraints or an unknown critical extension.
    ``public_key`` certifies a key whose private half is elsewhere (a CSR's), with ``issuer_key`` signing.
    """
    subject_key = subject_key or key()
    issuer_key = issuer_key or subject_key
    public_key = public_key or subject_key.public_key()
    subject = name("test-leaf") if subject is None else subject
    issuer = subject if issuer is None else issuer
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before or NOW - DAY)
        .not_valid_after(not_after or NOW + 30 * DAY)
    )
    if basic_constraints:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True
        )
    if key_usage == "default":
        key_usage = usage(key_cert_sign=True, crl_sign=True) if ca else usage(digital_signature=True)
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    if client_auth:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False
        )
    for value, critical in extensions:
        builder = builder.add_extension(value, critical=critical)
    return builder.sign(issuer_key, signing_hash(issuer_key, algorithm))


def ca_certificate(ca_key=None, cn="Test CA", **kwargs):
    kwargs.setdefault("ca", True)
    return certificate(subject_key=ca_key or key("ec-p384"), subject=name(cn), **kwargs)


# sha256WithRSAEncryption and sha1WithRSAEncryption: DER of the same length, so one can replace the other in place.
_SHA256_WITH_RSA = bytes.fromhex("2a864886f70d01010b")
_SHA1_WITH_RSA = bytes.fromhex("2a864886f70d010105")


def _der(tag, content):
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(encoded))) + encoded + content


def sha1_signed(cert, rsa_key):
    """``cert`` (signed by ``rsa_key`` with SHA-256) re-signed with SHA-1, which cryptography no longer produces."""
    tbs = cert.tbs_certificate_bytes.replace(_SHA256_WITH_RSA, _SHA1_WITH_RSA)
    signature = rsa_key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    algorithm = _der(0x30, _der(0x06, _SHA1_WITH_RSA) + _der(0x05, b""))
    return x509.load_der_x509_certificate(_der(0x30, tbs + algorithm + _der(0x03, b"\x00" + signature)))


def csr(subject_key=None, subject=None, dns_names=(), algorithm="sha256"):
    subject_key = subject_key or key()
    builder = x509.CertificateSigningRequestBuilder().subject_name(name("host1") if subject is None else subject)
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False
        )
    return builder.sign(subject_key, signing_hash(subject_key, algorithm))


def crl(issuer_cert, issuer_key, serials=(), algorithm=None, issuer_name=None):
    """A CRL of ``issuer_cert`` revoking ``serials``, fresh for a week."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_name or issuer_cert.subject)
        .last_update(NOW - datetime.timedelta(minutes=5))
        .next_update(NOW + 7 * DAY)
    )
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(NOW - datetime.timedelta(minutes=1))
            .build()
        )
    return builder.sign(issuer_key, algorithm or signing_hash(issuer_key))


def pem(obj):
    """PEM text of a certificate, CSR or CRL."""
    return pem_bytes(obj).decode("ascii")


def pem_bytes(obj):
    return obj.public_bytes(serialization.Encoding.PEM)


def key_pem_bytes(private_key, key_format="pkcs8", passphrase=None):
    """PEM of a private key: PKCS#8 or the traditional (PKCS#1/SEC1) layout, encrypted when a passphrase is given."""
    layout = {
        "pkcs8": serialization.PrivateFormat.PKCS8,
        "traditional": serialization.PrivateFormat.TraditionalOpenSSL,
    }[key_format]
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    return private_key.private_bytes(serialization.Encoding.PEM, layout, encryption)


def key_pem(private_key, key_format="pkcs8", passphrase=None):
    return key_pem_bytes(private_key, key_format, passphrase).decode("ascii")


def subject_of(pem_text):
    """RFC 4514 subject of the first certificate of a PEM text."""
    return x509.load_pem_x509_certificate(pem_text.encode()).subject.rfc4514_string()


class Authority(object):
    """A CA (self-signed, or under ``parent``) that issues certificates and CRLs."""

    def __init__(
        self,
        common_name="Test Root CA",
        key_kind="ec-p256",
        parent=None,
        ca=True,
        key_cert_sign=True,
        organization=None,
        algorithm="sha256",
        **certificate_options,
    ):
        self.key = new_key(key_kind)
        self.name = name(common_name, organization)
        key_usage = usage(key_cert_sign=key_cert_sign, crl_sign=ca) if ca else usage(digital_signature=True)
        self.cert = certificate(
            subject_key=self.key,
            subject=self.name,
            issuer_key=parent.key if parent else None,
            issuer=parent.name if parent else None,
            ca=ca,
            key_usage=key_usage,
            algorithm=algorithm,
            **certificate_options,
        )

    @classmethod
    def from_files(cls, cert_path, key_path):
        """The CA of an existing certificate and unencrypted key file."""
        authority = cls.__new__(cls)
        with open(cert_path, "rb") as handle:
            authority.cert = x509.load_pem_x509_certificate(handle.read())
        with open(key_path, "rb") as handle:
            authority.key = serialization.load_pem_private_key(handle.read(), password=None)
        authority.name = authority.cert.subject
        return authority

    @property
    def pem(self):
        return pem(self.cert)

    def issue(self, subject_key, subject, **options):
        """A certificate for ``subject_key`` (a leaf unless ca=True) signed by this CA."""
        return certificate(subject_key=subject_key, subject=subject, issuer_key=self.key, issuer=self.name, **options)

    def crl(self, revoked_serials=()):
        """PEM text of a CRL revoking ``revoked_serials``."""
        return pem(crl(self.cert, self.key, revoked_serials, issuer_name=self.name))


class Chain(object):
    """A root CA, optionally an intermediate CA, and one leaf with its key; PEM bytes ready to write on a host."""

    def __init__(self, leaf_kind="ec", with_intermediate=False, leaf_serial=None, common_name="host1.example.test"):
        root = Authority("Test Root CA")
        self.root_key, self.root = root.key, root.cert
        issuer = root
        self.intermediate = None
        if with_intermediate:
            issuer = Authority("Test Issuing CA", parent=root)
            self.intermediate_key, self.intermediate = issuer.key, issuer.cert
        self.leaf_key = new_key(leaf_kind)
        self.leaf = issuer.issue(self.leaf_key, name(common_name), serial=leaf_serial)

    @property
    def root_pem(self):
        return pem_bytes(self.root)

    @property
    def leaf_pem(self):
        return pem_bytes(self.leaf)

    @property
    def intermediates_pem(self):
        return pem_bytes(self.intermediate) if self.intermediate is not None else None

    def leaf_key_pem(self, key_format="pkcs8"):
        return key_pem_bytes(self.leaf_key, key_format)

    def write(self, directory):
        """Write cert.pem, key.pem (0600 from the start) and chain.pem (when there is one); return their paths."""
        paths = {"certificate": os.path.join(directory, "cert.pem"), "private_key": os.path.join(directory, "key.pem")}
        write_file(paths["certificate"], self.leaf_pem)
        write_file(paths["private_key"], self.leaf_key_pem(), 0o600)
        if self.intermediate is not None:
            paths["intermediates"] = os.path.join(directory, "chain.pem")
            write_file(paths["intermediates"], self.intermediates_pem)
        return paths


def write_file(path, data, mode=0o644):
    """Write ``data`` (text or bytes) with ``mode`` from the moment the file exists: keys are never readable by others.

    A missing parent directory is created private (0700), as a host's certificate directory is.
    """
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, mode=0o700, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    os.chmod(path, mode)
    return path
