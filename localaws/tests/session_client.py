"""A small, independent SigV4-X509 client for CreateSession tests.

It signs the way the IAM Roles Anywhere User Guide describes (and the official helper does), keeps every part of
the request open so tests can tamper with a signed request, and sends it with urllib, a real HTTP client.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass
class SignedRequest:
    url: str
    headers: dict[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    document: dict
    error_type: str | None

    @property
    def credentials(self) -> dict:
        return self.document["credentialSet"][0]["credentials"]


def algorithm_for(private_key) -> str:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "AWS4-X509-RSA-SHA256"
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return "AWS4-X509-ECDSA-SHA256"
    return "AWS4-X509-MLDSA"


def sign_bytes(private_key, message: bytes) -> bytes:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(message, ec.ECDSA(hashes.SHA256()))
    return private_key.sign(message)


def uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def build_request(
    *,
    endpoint: str,
    region: str,
    trust_anchor_arn: str,
    profile_arn: str,
    role_arn: str,
    leaf,
    intermediates=(),
    duration_seconds: int | None = 3600,
    role_session_name: str | None = None,
    arns_in: str = "query",
    now: datetime.datetime | None = None,
) -> SignedRequest:
    """Sign a CreateSession request for `leaf` (a pki_factory.Leaf) the way the official helper lays it out."""
    arns = {"trustAnchorArn": trust_anchor_arn, "profileArn": profile_arn, "roleArn": role_arn}
    document = {}
    if duration_seconds is not None:
        document["durationSeconds"] = duration_seconds
    if role_session_name is not None:
        document["roleSessionName"] = role_session_name
    query = arns if arns_in == "query" else {}
    if arns_in == "body":
        document.update(arns)
    headers = {
        "Content-Type": "application/json",
        "X-Amz-X509": _der_base64(leaf.certificate),
    }
    if intermediates:
        headers["X-Amz-X509-Chain"] = ",".join(_der_base64(ca.certificate) for ca in intermediates)
    request = SignedRequest(
        url=_url(endpoint, query), headers=headers, body=json.dumps(document).encode("utf-8"), query=query
    )
    return sign(
        request,
        leaf.private_key,
        leaf.certificate.serial_number,
        region,
        now or datetime.datetime.now(datetime.timezone.utc),
    )


def sign(
    request: SignedRequest, private_key, serial_number: int, region: str, now: datetime.datetime, unsigned=()
) -> SignedRequest:
    """(Re)sign `request`: sets X-Amz-Date and Authorization over every header it carries but the `unsigned` ones."""
    amz_date = now.strftime(AMZ_DATE_FORMAT)
    headers = {
        name: value for name, value in request.headers.items() if name.lower() not in ("authorization", "x-amz-date")
    }
    headers["X-Amz-Date"] = amz_date
    signed = dict(sorted((name.lower(), " ".join(value.split())) for name, value in headers.items()))
    signed["host"] = urlsplit(request.url).netloc
    signed = dict(sorted((name, value) for name, value in signed.items() if name not in unsigned))
    signed_headers = ";".join(signed)
    canonical = "\n".join(
        (
            "POST",
            "/sessions",
            "&".join(f"{uri_encode(k)}={uri_encode(v)}" for k, v in sorted(request.query.items())),
            "".join(f"{name}:{value}\n" for name, value in signed.items()),
            signed_headers,
            hashlib.sha256(request.body).hexdigest(),
        )
    )
    algorithm = algorithm_for(private_key)
    scope = f"{amz_date[:8]}/{region}/rolesanywhere/aws4_request"
    string_to_sign = "\n".join((algorithm, amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()))
    signature = sign_bytes(private_key, string_to_sign.encode("utf-8")).hex()
    headers["Authorization"] = (
        f"{algorithm} Credential={serial_number}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
    return SignedRequest(url=request.url, headers=headers, body=request.body, query=dict(request.query))


# The stand-in enforces the CreateSession quota (10 per second); a burst of tests waits its turn like any client.
THROTTLE_RETRIES = 20
THROTTLE_PAUSE_SECONDS = 0.1


def send(request: SignedRequest, retry_throttled: bool = True) -> Response:
    response = send_once(request)
    for _retry in range(THROTTLE_RETRIES if retry_throttled else 0):
        if response.status != 429:
            break
        time.sleep(THROTTLE_PAUSE_SECONDS)
        response = send_once(request)
    return response


def send_once(request: SignedRequest) -> Response:
    http_request = urllib.request.Request(request.url, data=request.body, headers=request.headers, method="POST")
    try:
        with urllib.request.urlopen(http_request, timeout=30) as reply:
            return Response(reply.status, json.loads(reply.read() or b"{}"), None)
    except urllib.error.HTTPError as error:
        payload = error.read()
        return Response(error.code, json.loads(payload) if payload else {}, error.headers.get("x-amzn-ErrorType"))


def _url(endpoint: str, query: dict[str, str]) -> str:
    encoded = "&".join(f"{uri_encode(k)}={uri_encode(v)}" for k, v in sorted(query.items()))
    return endpoint.rstrip("/") + "/sessions" + (f"?{encoded}" if encoded else "")


def _der_base64(certificate) -> str:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")
