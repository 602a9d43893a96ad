"""Certificate authorities, leaves and CRLs for CreateSession tests, made with cryptography.

Each helper produces what a real PKI would, including the wrong things a test needs on purpose (a CA-flagged
leaf, a SHA-1 signature, validity in the past or the future).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, padding, rsa
from cryptography.x509.oid import NameOID

ONE_DAY = datetime.timedelta(days=1)
# Outer AlgorithmIdentifier OIDs (DER content bytes); both are nine bytes long, so one can replace the other in place.
SHA256_WITH_RSA_OID = bytes.fromhex("2a864886f70d01010b")
SHA1_WITH_RSA_OID = bytes.fromhex("2a864886f70d010105")


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def new_key(key_type: str = "ec"):
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "mldsa":
        return mldsa.MLDSA65PrivateKey.generate()
    raise ValueError(f"unknown key type {key_type}")


def _signing_hash(key, digest=None):
    # ML-DSA signs the whole message itself; cryptography wants no separate digest for it.
    if isinstance(key, (mldsa.MLDSA44PrivateKey, mldsa.MLDSA65PrivateKey, mldsa.MLDSA87PrivateKey)):
        return None
    return digest or hashes.SHA256()


def csr_pem(private_key, common_name: str) -> str:
    request = x509.CertificateSigningRequestBuilder().subject_name(name(common_name, O="Example Corp"))
    return (
        request.sign(private_key, _signing_hash(private_key)).public_bytes(serialization.Encoding.PEM).decode("ascii")
    )


def load_pem_certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii"))


def name(common_name: str | None, **attributes: str) -> x509.Name:
    oids = {
        "O": NameOID.ORGANIZATION_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "C": NameOID.COUNTRY_NAME,
        "L": NameOID.LOCALITY_NAME,
    }
    parts = [x509.NameAttribute(oids[key], value) for key, value in attributes.items()]
    if common_name is not None:
        parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


@dataclass
class _CertifiedKey:
    """A certificate and its private key, as the leaves and the CAs below are."""

    certificate: x509.Certificate
    private_key: object

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass
class Leaf(_CertifiedKey):
    @property
    def private_key_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")


@dataclass
class CertificateAuthority(_CertifiedKey):
    @property
    def common_name(self) -> str:
        return self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value

    @classmethod
    def root(cls, common_name: str, key_type: str = "ec", not_before=None, not_after=None) -> CertificateAuthority:
        key = new_key(key_type)
        subject = name(common_name, O="Example Corp")
        builder = _ca_builder(subject, subject, key.public_key(), not_before, not_after, path_length=None)
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        return cls(builder.sign(key, _signing_hash(key)), key)

    def intermediate(
        self, common_name: str, key_type: str = "ec", path_length: int | None = 0, not_before=None, not_after=None
    ) -> CertificateAuthority:
        key = new_key(key_type)
        subject = name(common_name, O="Example Corp")
        builder = _ca_builder(subject, self.certificate.subject, key.public_key(), not_before, not_after, path_length)
        builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(self.private_key.public_key()), critical=False
        )
        return CertificateAuthority(builder.sign(self.private_key, _signing_hash(self.private_key)), key)

    def issue(
        self,
        common_name: str | None = "host01.example.com",
        *,
        key_type: str = "ec",
        subject: x509.Name | None = None,
        dns_names: tuple[str, ...] = (),
        uris: tuple[str, ...] = (),
        directory_names: tuple[x509.Name, ...] = (),
        ca_flag: bool = False,
        digital_signature: bool = True,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        serial_number: int | None = None,
    ) -> Leaf:
        key = new_key(key_type)
        now = utcnow()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject if subject is not None else name(common_name, OU="Workloads", O="Example Corp"))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(serial_number or x509.random_serial_number())
            .not_valid_before(not_before or now - datetime.timedelta(minutes=10))
            .not_valid_after(not_after or now + ONE_DAY)
            .add_extension(x509.BasicConstraints(ca=ca_flag, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=digital_signature, cert_sign=ca_flag), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.private_key.public_key()), critical=False
            )
        )
        alternative_names = [x509.DNSName(dns) for dns in dns_names] + [
            x509.UniformResourceIdentifier(uri) for uri in uris
        ]
        alternative_names += [x509.DirectoryName(directory_name) for directory_name in directory_names]
        if alternative_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        return Leaf(builder.sign(self.private_key, _signing_hash(self.private_key)), key)

    def issue_sha1(self, common_name: str = "legacy.example.com") -> Leaf:
        """A leaf signed with SHA-1, which cryptography no longer produces: re-sign a SHA-256 leaf's TBS by hand.

        Only for an RSA issuer, whose SHA-256 and SHA-1 signature OIDs have the same length.
        """
        leaf = self.issue(common_name)
        tbs = leaf.certificate.tbs_certificate_bytes.replace(SHA256_WITH_RSA_OID, SHA1_WITH_RSA_OID)
        signature = self.private_key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
        algorithm = _der(0x30, _der(0x06, SHA1_WITH_RSA_OID) + _der(0x05, b""))
        der = _der(0x30, tbs + algorithm + _der(0x03, b"\x00" + signature))
        return Leaf(x509.load_der_x509_certificate(der), leaf.private_key)

    def crl(self, revoked_serials=(), signer: CertificateAuthority | None = None) -> str:
        """A PEM CRL naming this CA as issuer; `signer` lets a test sign it with some other CA's key."""
        now = utcnow()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(now - ONE_DAY)
            .next_update(now + ONE_DAY)
        )
        for serial in revoked_serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now - ONE_DAY).build()
            )
        key = (signer or self).private_key
        return builder.sign(key, _signing_hash(key)).public_bytes(serialization.Encoding.PEM).decode("ascii")


def _ca_builder(subject, issuer, public_key, not_before, not_after, path_length):
    now = utcnow()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - ONE_DAY)
        .not_valid_after(not_after or now + 30 * ONE_DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(digital_signature=True, cert_sign=True), critical=True)
    )


def _key_usage(*, digital_signature: bool, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(encoded))) + encoded + content
