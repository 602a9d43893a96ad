"""SigV4-X509 verification of a CreateSession request, rebuilt independently from the HTTP request.

The scheme is SigV4 with the access key replaced by the signing certificate's decimal serial number and the
HMAC replaced by the certificate key's signature over the string to sign.
"""

from __future__ import annotations

import datetime
import hashlib
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, padding, rsa

from .errors import access_denied

RSA_ALGORITHM = "AWS4-X509-RSA-SHA256"
ECDSA_ALGORITHM = "AWS4-X509-ECDSA-SHA256"
MLDSA_ALGORITHM = "AWS4-X509-MLDSA"
SERVICE = "rolesanywhere"
TERMINATOR = "aws4_request"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# SigV4 tolerates this much difference between the signer's clock and the server's.
ALLOWED_CLOCK_SKEW = datetime.timedelta(minutes=5)
MLDSA_KEY_TYPES = (mldsa.MLDSA44PublicKey, mldsa.MLDSA65PublicKey, mldsa.MLDSA87PublicKey)


@dataclass(frozen=True)
class X509Authorization:
    """The parts of an `Authorization: AWS4-X509-… Credential=…, SignedHeaders=…, Signature=…` header."""

    algorithm: str
    serial_number: int
    scope_date: str
    scope_region: str
    scope_service: str
    scope_terminator: str
    signed_headers: tuple[str, ...]
    signature: bytes

    @property
    def scope(self) -> str:
        return "/".join((self.scope_date, self.scope_region, self.scope_service, self.scope_terminator))


def parse_authorization(header: str | None) -> X509Authorization:
    if not header:
        raise access_denied("Missing Authentication Token", "no Authorization header")
    algorithm, rest = (header.strip().split(" ", 1) + [""])[:2]
    if algorithm not in (RSA_ALGORITHM, ECDSA_ALGORITHM, MLDSA_ALGORITHM):
        raise access_denied(
            f"Unsupported signing algorithm: {algorithm}",
            f"Authorization algorithm {algorithm!r} is not an X.509 algorithm",
        )
    fields = _authorization_fields(rest)
    credential = fields.get("Credential", "").split("/")
    if len(credential) != 5 or not credential[0].isdigit():
        raise access_denied(
            "Authorization header requires a Credential of the form <decimal serial>/<date>/<region>/rolesanywhere/aws4_request",
            f"malformed Credential {fields.get('Credential')!r}",
        )
    signed_headers = tuple(fields.get("SignedHeaders", "").split(";"))
    if signed_headers == ("",):
        raise access_denied("Authorization header requires a SignedHeaders parameter", "no SignedHeaders")
    try:
        signature = bytes.fromhex(fields.get("Signature", ""))
    except ValueError:
        signature = b""
    if not signature:
        raise access_denied("Authorization header requires a hex-encoded Signature", "missing or non-hex Signature")
    return X509Authorization(
        algorithm=algorithm,
        serial_number=int(credential[0]),
        scope_date=credential[1],
        scope_region=credential[2],
        scope_service=credential[3],
        scope_terminator=credential[4],
        signed_headers=signed_headers,
        signature=signature,
    )


def _authorization_fields(rest: str) -> dict[str, str]:
    fields = {}
    for part in rest.split(","):
        name, separator, value = part.strip().partition("=")
        if separator:
            fields[name] = value
    return fields


def parse_amz_date(value: str | None) -> datetime.datetime:
    if not value:
        raise access_denied("Missing X-Amz-Date header", "no X-Amz-Date header")
    try:
        parsed = datetime.datetime.strptime(value, AMZ_DATE_FORMAT)
    except ValueError:
        raise access_denied(f"Invalid X-Amz-Date: {value}", f"X-Amz-Date {value!r} is not YYYYMMDDTHHMMSSZ") from None
    return parsed.replace(tzinfo=datetime.timezone.utc)


def check_scope(authorization: X509Authorization, request_time: datetime.datetime, region: str) -> None:
    """The credential scope must name the request's day, this endpoint's region and the rolesanywhere service."""
    request_day = request_time.strftime("%Y%m%d")
    if authorization.scope_date != request_day:
        raise access_denied(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{authorization.scope_date}' != '{request_day}', from '{request_time.strftime(AMZ_DATE_FORMAT)}'."
        )
    if authorization.scope_region != region:
        raise access_denied(
            "Credential should be scoped to a valid region.",
            f"scope region {authorization.scope_region!r}, endpoint region {region!r}",
        )
    if authorization.scope_service != SERVICE:
        raise access_denied(
            f"Credential should be scoped to correct service: '{SERVICE}'.",
            f"scope service {authorization.scope_service!r}",
        )
    if authorization.scope_terminator != TERMINATOR:
        raise access_denied(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{authorization.scope_terminator}'."
        )


def check_clock_skew(request_time: datetime.datetime, now: datetime.datetime) -> None:
    stamp = AMZ_DATE_FORMAT
    if request_time < now - ALLOWED_CLOCK_SKEW:
        raise access_denied(
            f"Signature expired: {request_time.strftime(stamp)} is now earlier than "
            f"{(now - ALLOWED_CLOCK_SKEW).strftime(stamp)} ({now.strftime(stamp)} - 5 min.)"
        )
    if request_time > now + ALLOWED_CLOCK_SKEW:
        raise access_denied(
            f"Signature not yet current: {request_time.strftime(stamp)} is still later than "
            f"{(now + ALLOWED_CLOCK_SKEW).strftime(stamp)} ({now.strftime(stamp)} + 5 min.)"
        )


def check_signed_headers(authorization: X509Authorization, headers) -> None:
    """The certificate headers carry the identity, so a signature that does not cover them proves nothing."""
    required = ["host", "x-amz-date", "x-amz-x509"]
    if "X-Amz-X509-Chain" in headers:
        required.append("x-amz-x509-chain")
    signed = set(authorization.signed_headers)
    for name in required:
        if name not in signed:
            raise access_denied(
                _unsigned_header_message(name), f"SignedHeaders {';'.join(authorization.signed_headers)} lacks {name}"
            )
    for name in authorization.signed_headers:
        if name != name.lower():
            raise access_denied("Invalid signature", f"SignedHeaders lists {name!r}, which is not lowercase")
        if name not in headers:
            raise access_denied("Invalid signature", f"signed header {name} is not in the request")


def _unsigned_header_message(name: str) -> str:
    if name == "host":
        # SigV4's own words for this mistake.
        return "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    return f"Header {name} must be signed"


def canonical_request(
    method: str, path: str, query: dict[str, str], headers, signed_headers: tuple[str, ...], body: bytes
) -> str:
    return "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            canonical_query_string(query),
            "".join(f"{name}:{canonical_header_value(headers.getlist(name))}\n" for name in signed_headers),
            ";".join(signed_headers),
            hashlib.sha256(body).hexdigest(),
        )
    )


def canonical_uri(path: str) -> str:
    """RFC 3986 normalised path with each segment URI-encoded twice, as SigV4 does for every service but S3."""
    normalized = posixpath.normpath(path or "/")
    if normalized.startswith("//"):
        normalized = f"/{normalized.lstrip('/')}"
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return "/".join(_uri_encode(_uri_encode(segment)) for segment in normalized.split("/"))


def canonical_query_string(query: dict[str, str]) -> str:
    encoded = sorted((_uri_encode(name), _uri_encode(value)) for name, value in query.items())
    return "&".join(f"{name}={value}" for name, value in encoded)


def canonical_header_value(values: list[str]) -> str:
    return ",".join(re.sub(" +", " ", value.strip()) for value in values)


def _uri_encode(text: str) -> str:
    # Everything but RFC 3986 unreserved characters is percent-encoded, spaces as %20, never '+'.
    return quote(text, safe="-_.~")


def string_to_sign(authorization: X509Authorization, amz_date: str, canonical: str) -> bytes:
    hashed = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return "\n".join((authorization.algorithm, amz_date, authorization.scope, hashed)).encode("utf-8")


def verify_signature(authorization: X509Authorization, public_key, message: bytes) -> None:
    """Check the signature with the algorithm the header names, which must fit the certificate's key type."""
    try:
        if authorization.algorithm == RSA_ALGORITHM and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(authorization.signature, message, padding.PKCS1v15(), hashes.SHA256())
        elif authorization.algorithm == ECDSA_ALGORITHM and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(authorization.signature, message, ec.ECDSA(hashes.SHA256()))
        elif authorization.algorithm == MLDSA_ALGORITHM and isinstance(public_key, MLDSA_KEY_TYPES):
            public_key.verify(authorization.signature, message)
        else:
            raise access_denied(
                "Invalid signature",
                f"{authorization.algorithm} does not fit a {type(public_key).__name__} certificate key",
            )
    except InvalidSignature:
        raise access_denied(
            "Invalid signature", "signature does not verify against the rebuilt string to sign"
        ) from None
