"""Small certificate authorities for signer and credential-process tests: root -> optional intermediate -> leaf."""

import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

_NOW = datetime.datetime.now(datetime.timezone.utc)


def new_key(kind):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(kind)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(subject_key, subject, issuer_key, issuer, ca, serial=None):
    usage = x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                          encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(subject_key.public_key()).serial_number(serial or x509.random_serial_number())
               .not_valid_before(_NOW - datetime.timedelta(days=1)).not_valid_after(_NOW + datetime.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(usage, critical=True))
    return builder.sign(issuer_key, hashes.SHA256())


def pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_pem(key, key_format="pkcs8"):
    fmt = {"pkcs8": serialization.PrivateFormat.PKCS8, "traditional": serialization.PrivateFormat.TraditionalOpenSSL}[key_format]
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


class Pki(object):
    """A root CA, optionally an intermediate CA, and one leaf with its key; PEM bytes ready to use."""

    def __init__(self, leaf_kind="ec", with_intermediate=False, leaf_serial=None, common_name="host1.example.test"):
        self.root_key = new_key("ec")
        self.root = _issue(self.root_key, "Test Root CA", self.root_key, "Test Root CA", ca=True)
        issuer_key, issuer_name = self.root_key, "Test Root CA"
        self.intermediate = None
        if with_intermediate:
            self.intermediate_key = new_key("ec")
            self.intermediate = _issue(self.intermediate_key, "Test Issuing CA", self.root_key, "Test Root CA", ca=True)
            issuer_key, issuer_name = self.intermediate_key, "Test Issuing CA"
        self.leaf_key = new_key(leaf_kind)
        self.leaf = _issue(self.leaf_key, common_name, issuer_key, issuer_name, ca=False, serial=leaf_serial)

    @property
    def root_pem(self):
        return pem(self.root)

    @property
    def leaf_pem(self):
        return pem(self.leaf)

    @property
    def intermediates_pem(self):
        return pem(self.intermediate) if self.intermediate is not None else None

    def leaf_key_pem(self, key_format="pkcs8"):
        return key_pem(self.leaf_key, key_format)

    def write(self, directory):
        """Write cert.pem, key.pem (0600 from the start) and chain.pem (when there is one); return their paths."""
        paths = {"certificate": os.path.join(directory, "cert.pem"), "private_key": os.path.join(directory, "key.pem")}
        with open(paths["certificate"], "wb") as handle:
            handle.write(self.leaf_pem)
        descriptor = os.open(paths["private_key"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(self.leaf_key_pem())
        if self.intermediate is not None:
            paths["intermediates"] = os.path.join(directory, "chain.pem")
            with open(paths["intermediates"], "wb") as handle:
                handle.write(self.intermediates_pem)
        return paths
