"""SigV4 authentication and IAM authorization of Roles Anywhere control-plane calls, on moto's IAM state.

Access keys (IAM users' keys and STS temporary credentials) and the policies attached to their owners come from
moto's backends, so a user or role created through the emulated IAM API is known here at once. Policy evaluation
uses moto's own evaluator (moto.iam.access_control.IAMPolicy), the same one that guards moto's services.
"""

from __future__ import annotations

import datetime
import hmac
import re

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from moto import settings as moto_settings
from moto.acmpca.responses import ACMPCAResponse
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import CreateAccessKeyFailure, IAMPolicy, IAMPolicyStatement, create_access_key
from moto.iam.exceptions import NotFoundException
from moto.iam.responses import IamResponse

from .errors import ServiceError, access_denied

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW = datetime.timedelta(minutes=15)
_AUTH_FIELD = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]+)")


def enforcement_active() -> bool:
    """True when moto enforces IAM authorization (after POST /moto-api/reset-auth with 0, as the server sets up)."""
    return ActionAuthenticatorMixin.request_count >= moto_settings.INITIAL_NO_AUTH_ACTION_COUNT


def authorize_moto_calls_on_their_resources() -> None:
    """Make moto match IAM and ACM PCA calls against the ARN of the resource they name, as AWS does.

    moto uses the role's ARN only for a role that exists and "*" otherwise: CreateRole, a GetRole that must answer
    NoSuchEntity, and every call naming a PolicyArn (GetPolicy, GetPolicyVersion) would then be allowed only by a
    policy whose Resource is "*", and a policy scoped to role-name patterns and policy ARNs would be refused where AWS
    allows it. ACM PCA calls are likewise matched against the certificate authority they name.
    """
    IamResponse._determine_resource = _iam_request_resource  # pylint: disable=protected-access
    ACMPCAResponse._determine_resource = _acm_pca_request_resource  # pylint: disable=protected-access


def _iam_request_resource(response):
    data = response.data
    if "RoleName" in data:
        role_name = data["RoleName"][0]
        try:
            return response.backend.get_role(role_name).arn
        except NotFoundException:
            # The ARN the role has (CreateRole) or would have: IAM authorizes on it before it knows the role.
            path = (data.get("Path") or ["/"])[0]
            return f"arn:{response.partition}:iam::{response.current_account}:role{path}{role_name}"
    if "PolicyArn" in data:
        return data["PolicyArn"][0]
    return "*"


def _acm_pca_request_resource(response):
    return response._get_param("CertificateAuthorityArn") or "*"  # pylint: disable=protected-access


class Identity:
    """An authenticated caller: its ARN and the moto access-key object that knows its policies."""

    def __init__(self, access_key):
        self.access_key = access_key
        self.arn = access_key.arn

    def authorize(self, action: str, resource: str, condition_values: dict | None = None) -> None:
        """Raise AccessDeniedException unless the caller's identity policies allow `action` on `resource`."""
        if not enforcement_active():
            return
        effects = set()
        for policy in self.access_key.collect_policies():
            for statement in _statements(policy):
                effects.add(statement_effect(statement, action, resource, condition_values or {}))
        if "Deny" in effects:
            raise access_denied(
                f"User: {self.arn} is not authorized to perform: {action} on resource: {resource} with an "
                "explicit deny in an identity-based policy"
            )
        if "Allow" not in effects:
            raise access_denied(
                f"User: {self.arn} is not authorized to perform: {action} on resource: {resource} because no "
                f"identity-based policy allows the {action} action"
            )


def _statements(policy):
    # moto hands out inline policies as strings or dicts and managed ones as objects; IAMPolicy reads all three.
    statements = IAMPolicy(policy)._policy_json.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def statement_effect(statement: dict, action: str, resource: str, condition_values: dict) -> str | None:
    """ "Allow" or "Deny" when the statement applies to this request, else None.

    A statement applies when its (Not)Action and (Not)Resource match and its conditions hold; moto's statement
    evaluator turns a failed condition into a denial even on Allow statements, so only its condition check is used.
    """
    if "NotAction" in statement:
        concerned = not _matches_any(statement["NotAction"], action, ignore_case=True)
    else:
        concerned = _matches_any(statement.get("Action", []), action, ignore_case=True)
    if "NotResource" in statement:
        concerned = concerned and not _matches_any(statement["NotResource"], resource)
    elif "Resource" in statement:
        concerned = concerned and _matches_any(statement["Resource"], resource)
    if not concerned:
        return None
    if not IAMPolicyStatement(statement)._check_conditions(condition_values):
        return None
    return statement.get("Effect")


def _matches_any(patterns, value, ignore_case=False):
    if isinstance(patterns, str):
        patterns = [patterns]
    flags = re.IGNORECASE if ignore_case else 0
    for pattern in patterns:
        # IAM wildcards: * is any run of characters, ? exactly one; everything else is literal.
        regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
        # List calls are authorized on "*", which only an all-wildcard policy resource matches, as on AWS.
        if re.fullmatch(regex, value, flags=flags | re.DOTALL):
            return True
    return False


class Authenticator:
    """Verifies the ordinary SigV4 signature of a request signed for one service in one region."""

    def __init__(self, account_id: str, region: str, service: str):
        self.account_id = account_id
        self.region = region
        self.service = service

    def authenticate(self, method: str, raw_uri: str, headers, body: bytes) -> Identity:
        """The caller's Identity, or the ServiceError AWS answers for a missing, malformed or wrong signature.

        `raw_uri` is the path and query exactly as sent (still percent-encoded), which is what the client signed.
        """
        authorization = headers.get("Authorization")
        if not authorization:
            raise ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
        fields = self._parse_authorization(authorization)
        amz_date = headers.get("X-Amz-Date")
        if not amz_date:
            raise ServiceError(
                "IncompleteSignatureException",
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
                400,
            )
        access_key_id, scope_date, scope_region, scope_service = self._parse_scope(fields["Credential"])
        self._check_scope(amz_date, scope_date, scope_region, scope_service)
        try:
            access_key = create_access_key(
                account_id=self.account_id, partition="aws", access_key_id=access_key_id, headers=headers
            )
        except CreateAccessKeyFailure:
            raise ServiceError(
                "UnrecognizedClientException", "The security token included in the request is invalid.", 403
            ) from None
        expected = self._signature(access_key, method, raw_uri, headers, body, fields["SignedHeaders"], amz_date)
        if not hmac.compare_digest(expected, fields["Signature"]):
            raise ServiceError(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your "
                "AWS Secret Access Key and signing method. Consult the service documentation for details.",
                403,
            )
        return Identity(access_key)

    @staticmethod
    def _parse_authorization(authorization):
        algorithm, rest = (authorization.split(" ", 1) + [""])[:2]
        if algorithm != ALGORITHM:
            raise ServiceError(
                "IncompleteSignatureException",
                f"Unsupported signature algorithm {algorithm}: sign requests with {ALGORITHM}",
                400,
            )
        fields = dict(_AUTH_FIELD.findall(rest))
        missing = [name for name in ("Credential", "SignedHeaders", "Signature") if name not in fields]
        if missing:
            raise ServiceError(
                "IncompleteSignatureException",
                f"Authorization header requires '{missing[0]}' parameter. Authorization={authorization}",
                400,
            )
        return fields

    @staticmethod
    def _parse_scope(credential):
        parts = credential.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise ServiceError(
                "IncompleteSignatureException",
                "Credential must have exactly 5 slash-delimited elements, e.g. "
                f"keyid/date/region/service/aws4_request, got '{credential}'",
                400,
            )
        return parts[0], parts[1], parts[2], parts[3]

    def _check_scope(self, amz_date, scope_date, scope_region, scope_service):
        if scope_service != self.service:
            raise ServiceError(
                "InvalidSignatureException", f"Credential should be scoped to correct service: '{self.service}'.", 403
            )
        if scope_region != self.region:
            raise ServiceError(
                "InvalidSignatureException",
                f"Credential should be scoped to a valid region, not '{scope_region}'. "
                f"This endpoint serves '{self.region}'.",
                403,
            )
        try:
            signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise ServiceError(
                "IncompleteSignatureException", f"X-Amz-Date '{amz_date}' is not in the form YYYYMMDDTHHMMSSZ", 400
            ) from None
        if amz_date[:8] != scope_date:
            raise ServiceError(
                "InvalidSignatureException",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                f"'{scope_date}' != '{amz_date[:8]}'",
                403,
            )
        # Signatures are checked against the real clock: the injectable clock shift is for certificate validity only.
        now = datetime.datetime.now(datetime.timezone.utc)
        if abs(now - signed_at) > MAX_CLOCK_SKEW:
            earliest = (now - MAX_CLOCK_SKEW).strftime("%Y%m%dT%H%M%SZ")
            raise ServiceError(
                "InvalidSignatureException",
                f"Signature expired: {amz_date} is now earlier than {earliest} "
                f"({now.strftime('%Y%m%dT%H%M%SZ')} - 15 min.)",
                403,
            )

    def _signature(self, access_key, method, raw_uri, headers, body, signed_headers, amz_date):
        names = signed_headers.lower().split(";")
        request = AWSRequest(
            method=method,
            url=f"http://{headers.get('Host', 'localhost')}{raw_uri}",
            headers={name: headers.get(name, "") for name in names},
            data=body,
        )
        request.context["timestamp"] = amz_date
        signer = SigV4Auth(access_key.create_credentials(), self.service, self.region)
        canonical_request = signer.canonical_request(request)
        return signer.signature(signer.string_to_sign(request, canonical_request), request)
