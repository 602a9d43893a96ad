"""Small X.509 factory for the control-plane tests: CAs that follow the Roles Anywhere rules, and CRLs."""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


class SampleCA:
    """A self-signed CA (EC P-256, SHA-256) that can sign CRLs."""

    def __init__(self, common_name="Test Root CA", ca=True, key_cert_sign=True, hash_algorithm=None):
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(minutes=5))
            .not_valid_after(_now() + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=key_cert_sign,
                                         crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
        )
        self.cert = builder.sign(self.key, hash_algorithm or hashes.SHA256())
        self.name = name

    @staticmethod
    def crl_from_files(cert_path, key_path, revoked_serials=()):
        """A CRL signed with an existing CA's certificate and unencrypted key files."""
        ca = SampleCA.__new__(SampleCA)
        with open(cert_path, "rb") as handle:
            ca.cert = x509.load_pem_x509_certificate(handle.read())
        with open(key_path, "rb") as handle:
            ca.key = serialization.load_pem_private_key(handle.read(), password=None)
        ca.name = ca.cert.subject
        return ca.crl(revoked_serials)

    @staticmethod
    def subject_of(pem):
        return x509.load_pem_x509_certificate(pem.encode()).subject.rfc4514_string()

    @property
    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def crl(self, revoked_serials=()):
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.name)
            .last_update(_now() - datetime.timedelta(minutes=1))
            .next_update(_now() + datetime.timedelta(days=7))
        )
        for serial in revoked_serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(_now()).build())
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()
