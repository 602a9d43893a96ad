# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why a host cannot get AWS credentials through IAM Roles Anywhere, and what fixes it.

Pure logic: the catalogue of causes with their fixes, the classification of AWS CLI and credential
helper error text, and the choice of the one cause to report when local inspection and the service's
answer both have something to say. No I/O here, so every rule is unit-tested on plain inputs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# The service rejects a signed request whose X-Amz-Date is further than this from its own clock.
MAX_CLOCK_SKEW_SECONDS = 300

# Each cause: a message template and a fix template, formatted with the details of the case.
# Unknown details render as "?" so a missing fact never hides the diagnosis itself.
CATALOGUE = {
    "aws_config_missing": (
        "The AWS config file {config_file} does not exist for this user.",
        "Run the credential_helper role for this host and user, or set rolesanywhere_aws_config_file to the file the workload reads.",
    ),
    "aws_config_unparsable": (
        "The AWS config file {config_file} cannot be parsed: {detail}",
        "Fix the INI syntax (settings belong inside a [profile NAME] section) or rewrite the file with the credential_helper role.",
    ),
    "profile_missing": (
        "The AWS config file {config_file} has no section for the profile '{profile}' (profiles found: {available}).",
        "Run the credential_helper role with rolesanywhere_aws_profile={profile}, or set rolesanywhere_aws_profile to a profile that exists.",
    ),
    "credential_process_missing": (
        "The profile '{profile}' in {config_file} has no credential_process setting, so neither the AWS CLI nor an AWS SDK finds credentials in it.",
        "Rerun the credential_helper role; it writes credential_process = <signing helper> credential-process ... into the profile.",
    ),
    "credential_process_multiline": (
        "The credential_process of the profile '{profile}' in {config_file} spans {lines} lines; AWS SDKs expect the command on one line.",
        "Put the whole command on one line without continuation lines, or rewrite the profile with the credential_helper role.",
    ),
    "credential_process_incomplete": (
        "The credential_process of the profile '{profile}' lacks {missing}.",
        "The command needs credential-process with --certificate, --private-key, --trust-anchor-arn, --profile-arn and --role-arn; "
        "rewrite the profile with the credential_helper role.",
    ),
    "helper_missing": (
        "The signing helper {helper} named in the credential_process of the profile '{profile}' does not exist.",
        "Install it with the credential_helper role (rolesanywhere_signing_helper) or correct the path in the profile.",
    ),
    "helper_not_executable": (
        "The signing helper {helper} is not executable by the user {user}.",
        "Make it executable for that user (mode 0755, readable directories), e.g. by rerunning the credential_helper role.",
    ),
    "awscli_missing": (
        "The AWS CLI ({awscli}) was not found for the user {user}.",
        "Install the AWS CLI on the host (rolesanywhere_install_awscli) or set rolesanywhere_awscli_path to its full path.",
    ),
    "awscli_ignores_services": (
        "The AWS CLI {awscli} is version {version}; the profile '{profile}' sends services to their endpoints through the "
        "section [services {services}], which the CLI reads only from version {minimum} on. This CLI would call the public "
        "AWS endpoints instead.",
        "Upgrade the AWS CLI on the host to {minimum} or later (rolesanywhere_install_awscli: pip installs a current one), "
        "or give the workload AWS_ENDPOINT_URL_<SERVICE> variables.",
    ),
    "certificate_unreadable": (
        "The certificate {certificate_path} cannot be read: {detail}",
        "Rerun the enroll role to install the certificate, and make sure the service user can read it.",
    ),
    "private_key_unreadable": (
        "The private key {private_key_path} cannot be read: {detail}",
        "Rerun the enroll role to create the key (0600, owned by the service user), and make sure the service user can read it.",
    ),
    "certificate_expired": (
        "The certificate {certificate_path} (serial {serial}) expired on {not_after}.",
        "Renew it: rerun the enroll role, which renews certificates that expire within rolesanywhere_renew_before_days.",
    ),
    "certificate_not_yet_valid": (
        "The certificate {certificate_path} (serial {serial}) is not valid before {not_before}.",
        "Check the host and CA clocks; if both are right, wait until the certificate is valid or reissue it with the enroll role.",
    ),
    "key_mismatch": (
        "The private key {private_key_path} does not belong to the certificate {certificate_path}: Roles Anywhere cannot verify the signature.",
        "Re-enroll the host (enroll role) so the certificate is issued for the current key, or point --private-key at the matching key.",
    ),
    "intermediates_missing": (
        "Roles Anywhere cannot chain the certificate to the trust anchor (Untrusted signing certificate): it was issued by {issuer}, "
        "and the credential_process {intermediates_state}.",
        "Pass the issuing CA chain with --intermediates{chain_hint}; the credential_helper role adds it when the enroll role installed a chain.",
    ),
    "certificate_untrusted": (
        "Roles Anywhere does not trust the certificate (Untrusted signing certificate): no enabled trust anchor in the account holds "
        "the CA that issued it (issuer {issuer}).",
        "Check that the trust anchor {trust_anchor_arn} is enabled and holds that CA (trust role); otherwise re-enroll the host "
        "with the CA of the trust anchor.",
    ),
    "trust_anchor_missing": (
        "The trust anchor {trust_anchor_arn} named in the credential_process does not exist in the account and region.",
        "Create it with the trust role and rewrite the profile with the credential_helper role so it names the current ARN.",
    ),
    "rolesanywhere_profile_missing": (
        "The Roles Anywhere profile {profile_arn} named in the credential_process does not exist in the account and region "
        "(CreateSession: ResourceNotFoundException).",
        "Create it with the trust role and rewrite the AWS profile with the credential_helper role so it names the current ARN.",
    ),
    "session_resource_missing": (
        "CreateSession answered ResourceNotFoundException: the trust anchor {trust_anchor_arn} or the profile {profile_arn} of "
        "the credential_process does not exist in the account and region ({detail}).",
        "Look them up (hybridcloud.rolesanywhere.trust_anchor_info, profile_info), rerun the trust role if they were deleted, "
        "and rewrite the AWS profile with the credential_helper role.",
    ),
    "certificate_from_other_ca": (
        "The certificate was issued by {issuer}, but the trust anchor {trust_anchor_arn} holds {anchor_cas} "
        "(Untrusted signing certificate).",
        "Re-enroll the host with the CA of the trust anchor (enroll role), or put the issuing CA into the trust anchor (trust role); "
        "if {issuer} is an intermediate CA below the anchor, pass it with --intermediates.",
    ),
    "trust_anchor_disabled": (
        "The trust anchor {trust_anchor_arn} is disabled, so Roles Anywhere trusts no certificate through it.",
        "Enable it: hybridcloud.rolesanywhere.trust_anchor with enabled: true (the trust role does this).",
    ),
    "profile_disabled": (
        "The Roles Anywhere profile {profile_arn} is disabled.",
        "Enable it: hybridcloud.rolesanywhere.profile with enabled: true (the trust role does this).",
    ),
    "role_not_in_profile": (
        "The role {role_arn} is not one of the roles of the profile {profile_arn}.",
        "Add the role to the profile's role_arns (hybridcloud.rolesanywhere.profile or the trust role), or use a profile that lists it.",
    ),
    "trust_policy_mismatch": (
        "The role {role_arn} refuses this certificate: its trust policy does not match (certificate subject {subject}, "
        "trust anchor {trust_anchor_arn}).",
        "Allow principal rolesanywhere.amazonaws.com (sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity) with conditions that match "
        "this trust anchor (aws:SourceArn) and subject (aws:PrincipalTag/x509Subject/...), or enroll the host with a subject the policy allows.",
    ),
    "role_session_name_not_accepted": (
        "The profile {profile_arn} does not accept a custom role session name.",
        "Drop --role-session-name from the credential_process, or set accept_role_session_name on the profile.",
    ),
    "certificate_revoked": (
        "The certificate {certificate_path} (serial {serial}) is revoked by a CRL imported for the trust anchor.",
        "Re-enroll the host to get a new certificate (enroll role), or remove the serial from the CRL if it was revoked by mistake.",
    ),
    "request_signature_invalid": (
        "Roles Anywhere rejected the request signature (Invalid signature).",
        "Make sure --private-key is the key of --certificate and the signing helper is current; re-enroll the host if the key changed.",
    ),
    "clock_skew": (
        "The host clock and the AWS clock disagree{skew_text}; Roles Anywhere rejects signed requests dated more than {limit} seconds "
        "away from its own clock.",
        "Synchronise the host clock (chrony, systemd-timesyncd or ntpd) and run again.",
    ),
    "permission_missing_on_role": (
        "The role {role_arn} may not call {action}: {detail}",
        "Add {action} to the role's permissions (rolesanywhere_role_policy_actions in the trust role).",
    ),
    "permission_cut_by_session_policy": (
        "The profile's session policy denies {action} to the role {role_arn}: {detail}",
        "Allow {action} in the profile's session_policy or managed_policy_arns: they intersect with the role's permissions "
        "(AmazonRedshiftReadOnlyAccess, for one, does not allow redshift:GetClusterCredentials).",
    ),
    "permission_denied": (
        "The credentials of the role {role_arn} may not call {action}: {detail}",
        "Allow {action} in the role's permissions (rolesanywhere_role_policy_actions) and in the profile's session policies "
        "(managed_policy_arns, session_policy), which intersect with the role's permissions.",
    ),
    "credentials_rejected": (
        "AWS rejected the credentials the profile produced: {detail}",
        "Delete any cached credentials of the signing helper and run again; check that the endpoint of the profile is the one that issued them.",
    ),
    "wrong_identity": (
        "The profile '{profile}' produced credentials for {assumed_role_arn}, not for the role {role_arn} of its credential_process.",
        "Remove static keys for this profile (e.g. in ~/.aws/credentials or AWS_* environment variables) so credential_process is used.",
    ),
    "create_session_throttled": (
        "CreateSession stayed throttled (its quota is 10 requests per second per account and region) through the helper's "
        "retries and verify's own: {detail}",
        "Verify fewer hosts at a time (forks, serial), prefer the Python program (rolesanywhere_signing_helper: python), "
        "whose cache and retries spread the calls, or ask AWS for a higher CreateSession quota.",
    ),
    "timed_out": (
        "{operation} timed out: {endpoint} accepted the connection but did not answer in time ({detail}).",
        "Check that the endpoint of the profile (rolesanywhere_endpoint_url, rolesanywhere_endpoints) is the service and "
        "not a blackholing firewall, proxy or a stopped server, then run verify again; rolesanywhere_verify_timeout bounds "
        "each call of verify (AWS CLI or SDK).",
    ),
    "endpoint_unreachable": (
        "The host could not reach {endpoint}.",
        "Check the network path and proxy settings from the host, and the endpoint of the profile (rolesanywhere_endpoint_url).",
    ),
    "delivery_service_down": (
        "Nothing listens on {metadata_endpoint}, the credentials endpoint of the profile '{profile}' (serve delivery): "
        "its service is stopped or failing.",
        "Start it and read why it stopped: systemctl start {unit}; journalctl -u {unit} (or rerun the credential_helper role, "
        "which starts it).",
    ),
    "delivery_port_taken": (
        "Another program answers on {metadata_endpoint}, the credentials endpoint of the profile '{profile}' ({detail}), so "
        "the serve service cannot listen there.",
        "Stop that program, or give the profile another port (delivery_port in rolesanywhere_profiles, or "
        "rolesanywhere_delivery_port) and rerun the credential_helper role.",
    ),
    "delivery_service_failing": (
        "The serve service on {metadata_endpoint} runs but has no credentials to give ({detail}): its CreateSession calls fail.",
        "Read its log (journalctl -u {unit}) for the CreateSession error, or switch the profile to process delivery for a "
        "moment and rerun verify, which then names the cause.",
    ),
    "credentials_file_missing": (
        "The credentials file {credentials_file} has no profile '{profile}' (update delivery): the update service has "
        "never written it.",
        "Start the service and read its log: systemctl start {unit}; journalctl -u {unit} (or rerun the credential_helper role).",
    ),
    "credentials_file_stale": (
        "The profile '{profile}' in {credentials_file} was last written {age} seconds ago, longer than its session "
        "duration ({session_duration} s): its credentials have expired, so the update service is stopped or cannot refresh.",
        "Check the service: systemctl status {unit}; journalctl -u {unit}. It rewrites the profile before every expiry.",
    ),
    "unknown": (
        "{operation} failed: {detail}",
        "Run the same command as the service user with --debug to see the full exchange: aws {command} --profile {profile} --debug",
    ),
}

# Problems found on the host that explain any failure by themselves, most fundamental first:
# without a config nothing runs, without a helper no signature, and so on.
STRUCTURAL_CAUSES = (
    "aws_config_missing",
    "delivery_service_down",
    "delivery_port_taken",
    "delivery_service_failing",
    "credentials_file_missing",
    "credentials_file_stale",
    "aws_config_unparsable",
    "profile_missing",
    "credential_process_missing",
    "credential_process_incomplete",
    "helper_missing",
    "helper_not_executable",
    "certificate_unreadable",
    "private_key_unreadable",
)
# Problems of the certificate itself; a skewed host clock can fake the first two.
CERTIFICATE_CAUSES = (
    "certificate_expired",
    "certificate_not_yet_valid",
    "key_mismatch",
)
LOCAL_CAUSES = STRUCTURAL_CAUSES + CERTIFICATE_CAUSES

# What the service may answer when the real cause is one of the local ones above.
CAUSES_A_LOCAL_PROBLEM_CAN_EXPLAIN = frozenset(
    (
        "unknown",
        "certificate_untrusted",
        "request_signature_invalid",
        "credentials_rejected",
        "certificate_expired",
        "certificate_not_yet_valid",
        "clock_skew",
    )
) | frozenset(LOCAL_CAUSES)

# What a skewed host clock looks like from the outside: stale signatures, certificates out of their validity.
CAUSES_A_SKEWED_CLOCK_CAN_EXPLAIN = frozenset(
    (
        "unknown",
        "clock_skew",
        "certificate_expired",
        "certificate_not_yet_valid",
        "request_signature_invalid",
        "credentials_rejected",
        "certificate_untrusted",
    )
)


class _Details(dict):
    """Format details; a fact nobody could determine shows as '?' instead of raising KeyError."""

    def __missing__(self, key):
        return "?"


def skew_text(skew_seconds):
    """How far apart the clocks are, in words; a measurement inside the window says nothing, so it is left out."""
    if skew_seconds is None or abs(skew_seconds) <= MAX_CLOCK_SKEW_SECONDS:
        return " (the service reported the request time outside its window)"
    direction = "ahead of" if skew_seconds > 0 else "behind"
    return ": the host is {0} seconds {1} the service".format(abs(skew_seconds), direction)


def make(code, **details):
    """A diagnosis: {code, message, fix} for a cause of the catalogue, filled with the case's details."""
    message, fix = CATALOGUE[code]
    if code == "clock_skew":
        details["skew_text"] = skew_text(details.get("skew"))
    values = _Details((key, value) for key, value in details.items() if value not in (None, ""))
    return {"code": code, "message": message.format_map(values), "fix": fix.format_map(values)}


# Classification rules for the text an AWS CLI call printed: (cause, pattern). First match wins, so
# the specific phrases of Roles Anywhere's CreateSession come before the generic AccessDenied of an API call.
_I = re.IGNORECASE
ERROR_RULES = (
    ("profile_missing", re.compile(r"config profile \((?P<profile>[^)]*)\) could not be found", _I)),
    ("aws_config_unparsable", re.compile(r"Unable to parse config file", _I)),
    ("credential_process_missing", re.compile(r"Unable to locate credentials", _I)),
    ("helper_missing", re.compile(r"No such file or directory: '(?P<helper>[^']+)'", _I)),
    ("helper_not_executable", re.compile(r"Permission denied: '(?P<helper>[^']+)'", _I)),
    # CreateSession declares ResourceNotFoundException (HTTP 404) for a trust anchor or profile that does not exist.
    ("trust_anchor_missing", re.compile(r"ResourceNotFoundException\b[^\n]*\btrust[ -]?anchor", _I)),
    ("rolesanywhere_profile_missing", re.compile(r"ResourceNotFoundException\b[^\n]*\bprofile", _I)),
    ("session_resource_missing", re.compile(r"ResourceNotFoundException", _I)),
    ("certificate_untrusted", re.compile(r"untrusted signing certificate", _I)),
    (
        "request_signature_invalid",
        re.compile(r"invalid signature|signature does not match|signature (is )?not valid", _I),
    ),
    ("trust_anchor_disabled", re.compile(r"trust[ -]?anchor[^.]*\bdisabled|disabled trust[ -]?anchor", _I)),
    ("profile_disabled", re.compile(r"profile[^.]*\bdisabled|disabled profile", _I)),
    (
        "role_not_in_profile",
        re.compile(
            r"isn't one of those listed in the profile|not (one of the roles|listed|associated|included|allowed) (in|of|with|by) the profile"
            r"|profile does not (allow|include|list)[^.]*\brole",
            _I,
        ),
    ),
    ("role_session_name_not_accepted", re.compile(r"roleSessionName|role session name", _I)),
    ("certificate_revoked", re.compile(r"\brevoked\b", _I)),
    ("certificate_expired", re.compile(r"certificate[^.]*\bexpired|expired[^.]*certificate", _I)),
    ("certificate_not_yet_valid", re.compile(r"not yet valid|notBefore", _I)),
    (
        "clock_skew",
        re.compile(
            r"signature expired|signature not yet current|clock skew|too skewed|request (date|time)[^.]*(stale|skew|too|out of range|expired|future)"
            r"|x-amz-date[^.]*(stale|skew|too|out of range|expired|future|window)|\bstale\b",
            _I,
        ),
    ),
    (
        "trust_policy_mismatch",
        re.compile(
            r"unable to assume role|trust policy|not authorized to perform: sts:(AssumeRole|TagSession|SetSourceIdentity)",
            _I,
        ),
    ),
    (
        "credentials_rejected",
        re.compile(
            r"InvalidClientTokenId|ExpiredToken|security token included in the request is (invalid|expired)|InvalidAccessKeyId",
            _I,
        ),
    ),
    ("create_session_throttled", re.compile(r"ThrottlingException|TooManyRequestsException|Rate exceeded", _I)),
    (
        "timed_out",
        re.compile(
            r"(Read|Connect) timeout on endpoint URL: \"?(?P<endpoint>[^\"\s]+)|no answer from (?P<url>\S+) within the timeout"
            r"|timed out after \d+ s",
            _I,
        ),
    ),
    ("endpoint_unreachable", re.compile(r"Could not connect to the endpoint URL: \"?(?P<endpoint>[^\"\s]+)", _I)),
)

_API_DENIAL = re.compile(
    r"\((AccessDenied\w*|UnauthorizedOperation|UnauthorizedAccess)\) when calling the (?P<operation>\w+) operation", _I
)
_DENIED_ACTION = re.compile(r"not authorized to perform:? (?P<action>[\w-]+:[\w*]+)", _I)
_CREDENTIAL_STAGE = re.compile(r"retrieving credentials from custom-process|credential[_ ]process", _I)
_API_ERROR = re.compile(
    r"An error occurred \((?P<code>[^)]+)\) when calling the (?P<operation>\w+) operation: (?P<message>.*)", _I
)

# Words that must never leave the host in a result or a log line, whatever printed them.
_SECRET = re.compile(
    r"(?P<name>\"?(SecretAccessKey|SessionToken|aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken)\"?\s*[:=]\s*)"
    r"(?P<value>\"[^\"]*\"|\S+)",
    _I,
)


def redact(text):
    """Blank out anything that looks like a secret key or session token in free text."""
    return _SECRET.sub(lambda match: match.group("name") + "<redacted>", text or "")


def summarise_error(text, limit=600):
    """The meaningful part of a CLI error, redacted and short: the last non-empty lines, without tracebacks."""
    lines = [line.strip() for line in redact(text).splitlines() if line.strip()]
    api_lines = [line for line in lines if _API_ERROR.search(line) or "custom-process" in line]
    picked = api_lines[-1] if api_lines else (lines[-1] if lines else "")
    return picked[:limit]


def classify_denied_permission(text, action_hint):
    """An API call (not CreateSession) was denied: was the permission missing on the role or cut by a session policy?"""
    match = _DENIED_ACTION.search(text)
    action = match.group("action") if match else action_hint
    lowered = text.lower()
    if "session policy" in lowered:
        return "permission_cut_by_session_policy", action
    if "identity-based policy" in lowered or "no permissions boundary" in lowered:
        return "permission_missing_on_role", action
    return "permission_denied", action


def classify_error(text, action_hint=None):
    """Map the error text of an AWS CLI call to (cause, details).

    ``action_hint`` is the IAM action of the call (e.g. redshift:DescribeClusters), used when the denial
    does not name it. Unknown text gives ("unknown", {...}) with the summary as detail.
    """
    text = text or ""
    details = {"detail": summarise_error(text)}
    api_error = _API_ERROR.search(text)
    credential_stage = bool(_CREDENTIAL_STAGE.search(text)) or not api_error
    if api_error and not credential_stage and _API_DENIAL.search(text) and not _looks_like_session_denial(text):
        cause, action = classify_denied_permission(text, action_hint)
        details["action"] = action
        return cause, details
    for cause, pattern in ERROR_RULES:
        match = pattern.search(text)
        if match:
            details.update((key, value) for key, value in match.groupdict().items() if value)
            return cause, details
    return "unknown", details


def _looks_like_session_denial(text):
    # An STS call denied because of the trust policy reads like an API denial but is about assuming the role.
    return bool(re.search(r"sts:(AssumeRole|TagSession|SetSourceIdentity)", text, _I))


def choose(service_cause, local_findings, clock_skew_seconds=None):
    """The one cause to report, from the service's answer and the host's own findings.

    ``service_cause`` is what the error text says (a cause code, or None when the CLI calls succeeded);
    ``local_findings`` the cause codes inspection found on the host; ``clock_skew_seconds`` the measured
    difference between host and service clocks (None when unknown). Returns a cause code or None.
    """
    skewed = clock_skew_seconds is not None and abs(clock_skew_seconds) > MAX_CLOCK_SKEW_SECONDS
    if service_cause is None:
        return None
    # Config and helper problems come first: they also decide which certificate the other checks looked at.
    structural = [code for code in STRUCTURAL_CAUSES if code in local_findings]
    if structural and service_cause in CAUSES_A_LOCAL_PROBLEM_CAN_EXPLAIN:
        return structural[0]
    # A wrong host clock makes a good certificate look expired or not yet valid; the clock is the cause then.
    if skewed and service_cause in CAUSES_A_SKEWED_CLOCK_CAN_EXPLAIN:
        return "clock_skew"
    for code in CERTIFICATE_CAUSES:
        if code in local_findings and service_cause in CAUSES_A_LOCAL_PROBLEM_CAN_EXPLAIN:
            return code
    if service_cause == "certificate_untrusted" and "intermediates_missing" in local_findings:
        return "intermediates_missing"
    return service_cause


def refine_with_trust_anchor(result, trust_anchors, anchor_ca_subjects=None):
    """Sharpen "Untrusted signing certificate" with what the control plane says about the profile's trust anchor.

    The service gives the same words for a disabled trust anchor, a missing one and a CA it does not hold; only the
    trust anchor itself tells them apart. ``trust_anchors`` is what trust_anchor_info found for the ARN of the
    credential_process (an empty list: it does not exist); ``anchor_ca_subjects`` the subjects of its CA
    certificates (RFC 4514), when known. Returns the result with the refined diagnosis; other results unchanged.
    """
    problem = result.get("diagnosis") or {}
    if result.get("ok") or problem.get("code") != "certificate_untrusted" or trust_anchors is None:
        return result
    certificate = result.get("certificate") or {}
    details = {"trust_anchor_arn": result.get("trust_anchor_arn"), "issuer": certificate.get("issuer")}
    if not trust_anchors:
        refined = make("trust_anchor_missing", **details)
    elif trust_anchors[0].get("enabled") is False:
        refined = make("trust_anchor_disabled", **details)
    elif anchor_ca_subjects and details["issuer"] and details["issuer"] not in anchor_ca_subjects:
        refined = make("certificate_from_other_ca", anchor_cas="; ".join(anchor_ca_subjects), **details)
    else:
        return result
    return dict(result, diagnosis=refined)
