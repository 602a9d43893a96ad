"""CreateSession (`POST /sessions`): X.509-signed requests in, temporary credentials of an IAM role out.

The order of the checks follows the service: the request must be well formed, its signature must verify with the
presented certificate, the certificate must chain to an enabled trust anchor and not be revoked, and only then are
the profile, the role and its trust policy consulted. Credentials are minted by moto's STS backend in this process,
so moto's IAM enforcement accepts them and authorizes them as the assumed role.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import uuid
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from moto.acmpca.models import acmpca_backends
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

from . import session_identity, session_pki, session_policy, session_sigv4
from .errors import ServiceError, access_denied, not_found, untrusted, validation_error

DEFAULT_DURATION_SECONDS = 3600
MIN_DURATION_SECONDS = 900
MAX_DURATION_SECONDS = 43200
ARN_PATTERNS = {
    "trustAnchorArn": re.compile(r"^arn:aws[a-z-]*:rolesanywhere:[a-z0-9-]+:\d{12}:trust-anchor/[0-9a-f-]{36}$"),
    "profileArn": re.compile(r"^arn:aws[a-z-]*:rolesanywhere:[a-z0-9-]+:\d{12}:profile/[0-9a-f-]{36}$"),
    "roleArn": re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$"),
}
ROLE_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
# STS reports session policies plus tags as a share of a packed limit; this estimate keeps the field meaningful.
PACKED_POLICY_BUDGET = 2048


@dataclass
class SessionRequest:
    trust_anchor_arn: str
    profile_arn: str
    role_arn: str
    duration_seconds: int
    role_session_name: str | None


@dataclass
class Attempt:
    """What is known about a request so far, for the outcome log and the subject record."""

    serial: str | None = None
    trust_anchor_arn: str | None = None
    profile_arn: str | None = None
    role_arn: str | None = None
    leaf: x509.Certificate | None = None
    authenticated: bool = False


def create_session(method, path, query, headers, body, store):
    """Serve one CreateSession request: (201, response) or ServiceError; every outcome lands in store.session_log."""
    attempt = Attempt()
    with store.lock:
        try:
            response = _create_session(method, path, query, headers, body, store, attempt)
        except ServiceError as denial:
            if attempt.authenticated:
                _record_subject(store, attempt.leaf, failed=True)
            _log_outcome(store, attempt, "denied", denial.code, denial.reason)
            raise
        except Exception as error:
            # A defect of the stand-in still leaves a trace where tests look for outcomes; the server answers 500.
            _log_outcome(store, attempt, "denied", "InternalServerException", repr(error))
            raise
        _log_outcome(store, attempt, "success", None, None)
    return 201, response


def _create_session(method, path, query, headers, body, store, attempt):
    attempt.serial = _claimed_serial(headers)
    request = parse_session_request(query, body)
    attempt.trust_anchor_arn, attempt.profile_arn, attempt.role_arn = (
        request.trust_anchor_arn,
        request.profile_arn,
        request.role_arn,
    )

    leaf = _authenticate(method, path, query, headers, body, store)
    attempt.leaf = leaf
    now = store.now()
    session_pki.check_leaf(leaf, now)
    intermediates = session_pki.decode_chain_header(headers.get("X-Amz-X509-Chain"))

    anchor = _find_resource(store.trust_anchors, "trustAnchorArn", request.trust_anchor_arn, "Trust anchor")
    path_to_anchor = _trusted_path(leaf, intermediates, anchor, now)
    _check_not_revoked(path_to_anchor, anchor, store)
    attempt.authenticated = True

    profile = _find_resource(store.profiles, "profileArn", request.profile_arn, "Profile")
    role = _authorized_role(store, profile, request.role_arn)
    session_name = session_identity.role_session_name(leaf, request.role_session_name, profile)
    duration = _session_duration(request.duration_seconds, profile, role)
    tags = session_identity.session_tags(leaf, profile.get("attributeMappings"))
    session_identity.check_tags(tags, request.role_arn)
    source_identity = session_identity.source_identity(leaf)
    _check_trust_policy(role, request, store, tags, session_name, source_identity)

    assumed = _mint_credentials(store, request.role_arn, session_name, duration, profile)
    subject = _record_subject(store, leaf, failed=False)
    return {
        "credentialSet": [
            _credential_set_member(assumed, request.role_arn, source_identity, _packed_policy_size(profile, tags))
        ],
        "subjectArn": subject["subjectArn"],
    }


def _credential_set_member(assumed, role_arn: str, source_identity: str, packed_policy_size: int) -> dict:
    return {
        "assumedRoleUser": {"arn": assumed.arn, "assumedRoleId": assumed.user_id},
        "credentials": {
            "accessKeyId": assumed.access_key_id,
            "secretAccessKey": assumed.secret_access_key,
            "sessionToken": assumed.session_token,
            "expiration": assumed.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "packedPolicySize": packed_policy_size,
        "roleArn": role_arn,
        "sourceIdentity": source_identity,
    }


# ---- the request -----------------------------------------------------------------------------------------------


def parse_session_request(query: dict[str, str], body: bytes) -> SessionRequest:
    """ARNs come in the query string (the official helper) or the JSON body (the User Guide); the rest in the body."""
    document = _json_body(body)
    arns = {name: _arn_parameter(name, query, document) for name in ARN_PATTERNS}
    return SessionRequest(
        trust_anchor_arn=arns["trustAnchorArn"],
        profile_arn=arns["profileArn"],
        role_arn=arns["roleArn"],
        duration_seconds=_duration_parameter(document),
        role_session_name=_session_name_parameter(document),
    )


def _json_body(body: bytes) -> dict:
    if not body or not body.strip():
        return {}
    try:
        document = json.loads(body)
    except ValueError:
        raise validation_error("Request body is not valid JSON") from None
    if not isinstance(document, dict):
        raise validation_error("Request body must be a JSON object")
    return document


def _arn_parameter(name: str, query: dict[str, str], document: dict) -> str:
    in_query, in_body = query.get(name), document.get(name)
    if in_query is not None and in_body is not None and in_query != in_body:
        raise validation_error(f"{name} is given in both the query string and the body, with different values")
    value = in_query if in_query is not None else in_body
    if value is None:
        raise validation_error(
            f"1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"
        )
    if not isinstance(value, str) or not ARN_PATTERNS[name].match(value):
        raise validation_error(
            f"1 validation error detected: Value '{value}' at '{name}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {ARN_PATTERNS[name].pattern}"
        )
    return value


def _duration_parameter(document: dict) -> int:
    value = document.get("durationSeconds", DEFAULT_DURATION_SECONDS)
    if isinstance(value, bool) or not isinstance(value, int):
        raise validation_error(f"durationSeconds must be an integer, not {value!r}")
    if not MIN_DURATION_SECONDS <= value <= MAX_DURATION_SECONDS:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at 'durationSeconds' failed to satisfy constraint: "
            f"Member must have value between {MIN_DURATION_SECONDS} and {MAX_DURATION_SECONDS}"
        )
    return value


def _session_name_parameter(document: dict) -> str | None:
    value = document.get("roleSessionName")
    if value is not None and (not isinstance(value, str) or not ROLE_SESSION_NAME.match(value)):
        raise validation_error(
            f"1 validation error detected: Value '{value}' at 'roleSessionName' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {ROLE_SESSION_NAME.pattern}"
        )
    return value


# ---- authentication --------------------------------------------------------------------------------------------


def _claimed_serial(headers) -> str | None:
    """The serial of the presented certificate, before anything is verified, so that every outcome names it."""
    try:
        return str(session_pki.decode_leaf_header(headers.get("X-Amz-X509")).serial_number)
    except ServiceError:
        return None


def _authenticate(method, path, query, headers, body, store) -> x509.Certificate:
    """Verify the SigV4-X509 signature; returns the signing certificate it proves possession of."""
    authorization = session_sigv4.parse_authorization(headers.get("Authorization"))
    leaf = session_pki.decode_leaf_header(headers.get("X-Amz-X509"))
    amz_date = headers.get("X-Amz-Date")
    request_time = session_sigv4.parse_amz_date(amz_date)
    session_sigv4.check_scope(authorization, request_time, store.region)
    session_sigv4.check_clock_skew(request_time, store.now())
    session_sigv4.check_signed_headers(authorization, headers)
    if authorization.serial_number != leaf.serial_number:
        raise access_denied(
            "Invalid signature",
            f"Credential serial {authorization.serial_number} is not the signing certificate's serial {leaf.serial_number}",
        )
    canonical = session_sigv4.canonical_request(method, path, query, headers, authorization.signed_headers, body)
    message = session_sigv4.string_to_sign(authorization, amz_date, canonical)
    session_sigv4.verify_signature(authorization, leaf.public_key(), message)
    return leaf


# ---- trust -----------------------------------------------------------------------------------------------------


def _find_resource(table: dict, arn_key: str, arn: str, label: str) -> dict:
    for item in table.values():
        if arn in (item.get(arn_key), item.get("aliasArn")):
            return item
    raise not_found(f"{label} {arn} not found")


def _trusted_path(leaf, intermediates, anchor, now) -> list[x509.Certificate]:
    if not anchor.get("enabled"):
        raise untrusted(f"trust anchor {anchor['trustAnchorArn']} is disabled")
    anchor_certificates = _anchor_certificates(anchor)
    if not anchor_certificates:
        raise untrusted(f"trust anchor {anchor['trustAnchorArn']} has no usable CA certificate")
    return session_pki.build_path(leaf, intermediates, anchor_certificates, now)


def _anchor_certificates(anchor: dict) -> list[x509.Certificate]:
    source = anchor.get("source") or {}
    data = source.get("sourceData") or {}
    if source.get("sourceType") == "CERTIFICATE_BUNDLE":
        return session_pki.load_pem_bundle(data.get("x509CertificateData", ""))
    if source.get("sourceType") == "AWS_ACM_PCA":
        return _acm_pca_certificates(data.get("acmPcaArn", ""))
    return []


def _acm_pca_certificates(ca_arn: str) -> list[x509.Certificate]:
    """The CA certificate of a moto ACM-PCA authority; none while the authority has no imported certificate."""
    parts = ca_arn.split(":")
    if len(parts) < 6:
        return []
    authorities = acmpca_backends[parts[4]][parts[3]].certificate_authorities
    authority = authorities.get(ca_arn)
    if authority is None or not authority.certificate_bytes:
        return []
    return session_pki.load_pem_bundle(authority.certificate_bytes.decode("ascii"))


def _check_not_revoked(path_to_anchor, anchor, store) -> None:
    crls = []
    for crl in store.crls.values():
        if crl.get("enabled") and crl.get("trustAnchorArn") == anchor["trustAnchorArn"]:
            loaded = session_pki.load_crl(crl.get("crlData", b""))
            if loaded is not None:
                crls.append(loaded)
    revoked = session_pki.revoked_by(path_to_anchor, crls)
    if revoked is not None:
        raise access_denied(
            "Certificate is revoked", f"{session_pki.describe(revoked)} is listed in an enabled CRL of the trust anchor"
        )


# ---- authorization ---------------------------------------------------------------------------------------------


def _iam_backend(store):
    return iam_backends[store.account_id][get_partition(store.region)]


def _authorized_role(store, profile: dict, role_arn: str):
    if not profile.get("enabled"):
        raise access_denied("Profile is disabled", f"profile {profile['profileArn']} is disabled")
    if role_arn not in profile.get("roleArns", []):
        raise access_denied(
            f"Profile does not allow role {role_arn}",
            f"{role_arn} is not among the roleArns of profile {profile['profileArn']}",
        )
    try:
        return _iam_backend(store).get_role_by_arn(role_arn)
    except Exception:  # pylint: disable=broad-exception-caught  # moto raises its own NotFound type
        raise access_denied(f"Unable to assume role for {role_arn}", f"role {role_arn} does not exist") from None


def _session_duration(requested: int, profile: dict, role) -> int:
    """The profile caps the session; asking beyond the role's own maximum is an error, as with AssumeRole."""
    role_maximum = int(role.max_session_duration or DEFAULT_DURATION_SECONDS)
    if requested > role_maximum:
        raise validation_error(
            f"The requested DurationSeconds exceeds the MaxSessionDuration set for this role ({role_maximum} seconds)",
            f"durationSeconds {requested} > MaxSessionDuration {role_maximum} of {role.arn}",
        )
    return min(requested, int(profile.get("durationSeconds") or DEFAULT_DURATION_SECONDS))


def _check_trust_policy(role, request: SessionRequest, store, tags, session_name, source_identity) -> None:
    context = session_policy.request_context(
        source_arn=request.trust_anchor_arn,
        source_account=store.account_id,
        tags=tags,
        session_name=session_name,
        source_identity=source_identity,
    )
    refused = session_policy.refused_actions(role.assume_role_policy_document, context)
    if refused:
        reasons = "; ".join(f"{action}: {reason}" for action, reason in refused.items())
        raise access_denied(
            f"Unable to assume role for {request.role_arn}", f"trust policy of {request.role_arn} refuses {reasons}"
        )


# ---- credentials and records -----------------------------------------------------------------------------------


def _mint_credentials(store, role_arn: str, session_name: str, duration: int, profile: dict):
    backend = sts_backends[store.account_id][get_partition(store.region)]
    assumed = backend.assume_role(
        region_name=store.region,
        role_session_name=session_name,
        role_arn=role_arn,
        policy=profile.get("sessionPolicy"),
        duration=duration,
        external_id=None,
    )
    # moto dates the session by the real clock; the service's clock (which tests may shift) is the one to report.
    assumed.expiration = store.now().replace(microsecond=0) + datetime.timedelta(seconds=duration)
    return assumed


def _packed_policy_size(profile: dict, tags: dict[str, str]) -> int:
    packed = (
        len(json.dumps(json.loads(profile["sessionPolicy"]), separators=(",", ":")))
        if profile.get("sessionPolicy")
        else 0
    )
    packed += sum(len(arn) for arn in profile.get("managedPolicyArns") or [])
    packed += sum(len(key) + len(value) for key, value in tags.items())
    return math.ceil(100 * packed / PACKED_POLICY_BUDGET)


def _record_subject(store, leaf: x509.Certificate, failed: bool) -> dict:
    """One subject per distinct subject name; one credentials entry per certificate (serial and issuer) it used."""
    now = store.now()
    x509_subject = leaf.subject.rfc4514_string()
    subject = next((item for item in store.subjects.values() if item["x509Subject"] == x509_subject), None)
    if subject is None:
        subject_id = str(uuid.uuid4())
        subject = {
            "subjectArn": store.arn("subject", subject_id),
            "subjectId": subject_id,
            "x509Subject": x509_subject,
            "enabled": True,
            "createdAt": now,
            "updatedAt": now,
            "lastSeenAt": now,
            "credentials": [],
            "instanceProperties": [],
        }
        store.subjects[subject_id] = subject
    entry = _credentials_entry(subject, leaf)
    entry.update({"seenAt": now, "failed": failed})
    subject["lastSeenAt"] = subject["updatedAt"] = now
    return subject


def _credentials_entry(subject: dict, leaf: x509.Certificate) -> dict:
    serial, issuer = str(leaf.serial_number), leaf.issuer.rfc4514_string()
    for entry in subject["credentials"]:
        if entry["serialNumber"] == serial and entry["issuer"] == issuer:
            return entry
    entry = {
        "serialNumber": serial,
        "issuer": issuer,
        "x509CertificateData": leaf.public_bytes(Encoding.PEM).decode("ascii"),
        "enabled": True,
    }
    subject["credentials"].append(entry)
    return entry


def log_throttled(store, query: dict[str, str], headers, error) -> None:
    """A request the quota refused, before anything of it was checked: the outcome log names what it asked for."""
    attempt = Attempt(serial=_claimed_serial(headers))
    attempt.trust_anchor_arn, attempt.profile_arn, attempt.role_arn = (query.get(name) for name in ARN_PATTERNS)
    with store.lock:
        _log_outcome(store, attempt, "throttled", error.code, f"CreateSession quota ({error.message})")


def _log_outcome(store, attempt: Attempt, outcome: str, code: str | None, reason: str | None) -> None:
    store.session_log.append(
        {
            "time": store.now().isoformat(),
            "outcome": outcome,
            "code": code,
            "reason": reason,
            "serial": attempt.serial,
            "trustAnchorArn": attempt.trust_anchor_arn,
            "profileArn": attempt.profile_arn,
            "roleArn": attempt.role_arn,
        }
    )
