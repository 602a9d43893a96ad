"""Small helpers for the control-plane tests: a CA certificate and CRL, clients, error codes."""

import datetime
import urllib.error
import urllib.request
import uuid

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# boto3 checks only some constraints itself (required, types, min); the server must check all of them.
NO_CLIENT_VALIDATION = Config(parameter_validation=False, retries={"mode": "standard", "total_max_attempts": 1})


class TestCa:
    """A self-signed CA that can issue a CRL revoking given serial numbers."""

    __test__ = False

    def __init__(self, common_name="Local Test CA"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
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
            .sign(self.key, hashes.SHA256())
        )

    @property
    def pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def crl_pem(self, revoked_serials=()):
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.name)
            .last_update(now)
            .next_update(now + datetime.timedelta(days=7))
        )
        for serial in revoked_serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now).build()
            )
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def bundle_source(ca):
    return {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca.pem}}


def unique_name(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def role_arn(account_id, role_name="workload"):
    return "arn:aws:iam::%s:role/%s" % (account_id, role_name)


def error_of(exc_info):
    """(code, HTTP status, message) of a ClientError caught by pytest.raises."""
    assert isinstance(exc_info.value, ClientError)
    response = exc_info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def signed_request(localaws, method, path, body=b"", service="rolesanywhere"):
    """Send a SigV4-signed request as the administrator; returns (status, headers, body bytes)."""
    request = AWSRequest(
        method=method,
        url=localaws.endpoint + path,
        data=body,
        headers={"Content-Type": "application/json"} if body else {},
    )
    SigV4Auth(Credentials(localaws.access_key_id, localaws.secret_access_key), service, localaws.region).add_auth(
        request
    )
    prepared = urllib.request.Request(
        request.url, data=body or None, method=method, headers=dict(request.headers.items())
    )
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()
