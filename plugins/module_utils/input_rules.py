# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules every role input must pass before the first change, keyed by the role variable that carries it.

One table (RULES) for the four roles: the validate_inputs action checks the variables a role hands it against the
rule of the same name. Each rule follows what IAM Roles Anywhere, IAM, X.509 and the AWS CLI accept, so a value they
would refuse is refused here, on the controller, before a resource is created or a file is written; every message
names the variable, the rule and the fix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import service_limits as limits

# X.509 upper bounds (RFC 5280, ub-common-name and friends): cryptography and the service refuse longer values.
MAX_SUBJECT_ATTRIBUTE = 64

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_IAM_NAME = re.compile(r"^[\w+=,.@-]+$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_SERVICE_KEY = re.compile(r"^[A-Za-z0-9_]+$")
# Keys of a profile the credential_helper role writes itself; a setting that overrides one would break the profile
# (credential_process) or send it to another region or endpoint than the one the role configured.
RESERVED_PROFILE_SETTINGS = (
    "credential_process",
    "region",
    "endpoint_url",
    "services",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
)


class InputError(ValueError):
    """One input breaks its rule; the message names the variable and the fix."""


def _shown(value):
    return repr(value) if not isinstance(value, str) or len(value) <= 80 else repr(value[:77] + "...")


# ---- single values -------------------------------------------------------------------------------------------------


def subject_attribute(name, value, required=False):
    """A certificate subject attribute (CN, O, OU): 1-64 characters, no control characters."""
    if value in (None, ""):
        if required:
            raise InputError(
                "%s is empty; a certificate needs a subject common name (for example the host name)" % name
            )
        return
    text = str(value)
    if len(text) > MAX_SUBJECT_ATTRIBUTE:
        raise InputError(
            "%s has %d characters; X.509 and IAM Roles Anywhere allow at most %d. Shorten it (put the full "
            "name in rolesanywhere_dns_names instead)" % (name, len(text), MAX_SUBJECT_ATTRIBUTE)
        )
    if _CONTROL.search(text):
        raise InputError("%s %s contains a control character (newline, tab, NUL...); remove it" % (name, _shown(text)))


def common_name(name, value):
    subject_attribute(name, value, required=True)


def common_name_patterns(name, values):
    for index, value in enumerate(values or []):
        subject_attribute("%s[%d]" % (name, index), value, required=True)


def dns_name(name, value):
    """A DNS SubjectAltName: IDNA-encodable, labels of 1-63 letters, digits and inner hyphens, 253 characters at most."""
    text = str(value or "")
    if not text or text != text.strip() or _CONTROL.search(text):
        raise InputError(
            "%s %s is not a DNS name; give a name such as db01.example.com (no spaces)" % (name, _shown(value))
        )
    labels = text[2:] if text.startswith("*.") else text
    try:
        ascii_name = labels.rstrip(".")
        ascii_name.encode("ascii")
    except UnicodeError:
        ascii_name = None
    try:
        ascii_name = ascii_name if ascii_name is not None else labels.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InputError(
            "%s %s cannot be encoded for DNS (IDNA: %s); use its ASCII (xn--) form or fix the name"
            % (name, _shown(text), exc)
        )
    if len(ascii_name) > 253 or not all(_DNS_LABEL.match(label) for label in ascii_name.split(".")):
        raise InputError(
            "%s %s is not a valid DNS name: labels are 1-63 letters, digits and hyphens (not at either end), "
            "253 characters in all; fix the name" % (name, _shown(text))
        )
    if ascii_name != labels.rstrip("."):
        # A certificate's dNSName is IA5String: an internationalized name goes in as its A-label (RFC 5280, 7.2).
        raise InputError(
            "%s %s is not ASCII; certificates hold internationalized names in their IDNA form: use %s"
            % (name, _shown(text), _shown(text[: len(text) - len(labels)] + ascii_name))
        )


def dns_names(name, values):
    if not isinstance(values, (list, tuple)):
        raise InputError("%s must be a list of DNS names, not %s" % (name, _shown(values)))
    for index, value in enumerate(values):
        dns_name("%s[%d]" % (name, index), value)


def endpoint_url(name, value):
    """An endpoint URL as the AWS CLI takes it: http(s)://host[:port][/path], no spaces."""
    if value in (None, ""):
        return
    text = str(value)
    match = re.match(
        r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^/:?#\s\[\]]+)(?::(?P<port>[0-9]*))?(?P<rest>[/?#].*)?$",
        text,
    )
    if re.search(r"\s", text) or _CONTROL.search(text):
        raise InputError(
            "%s %s contains spaces or control characters; give a URL such as https://rolesanywhere.us-east-1.amazonaws.com"
            % (name, _shown(text))
        )
    if not match or match.group("scheme").lower() not in ("http", "https"):
        raise InputError(
            "%s %s is not an http(s) URL with a host; give one such as https://rolesanywhere.us-east-1.amazonaws.com"
            % (name, _shown(text))
        )
    port = match.group("port")
    if port is not None and (not port or not 0 < int(port) < 65536):
        raise InputError("%s %s has an invalid port; use 1-65535" % (name, _shown(text)))


def endpoint_map(name, value):
    if not value:
        return
    if not isinstance(value, dict):
        raise InputError("%s must map AWS CLI service names to URLs, not %s" % (name, _shown(value)))
    for service, url in value.items():
        if not _SERVICE_KEY.match(str(service)):
            raise InputError(
                "%s key %s is not an AWS CLI service name (letters, digits, _: sts, rolesanywhere)"
                % (name, _shown(service))
            )
        endpoint_url("%s.%s" % (name, service), url)


def _whole_number(name, value):
    if isinstance(value, bool):
        raise InputError("%s must be a whole number, not %s" % (name, _shown(value)))
    try:
        return int(str(value).strip())
    except ValueError:
        raise InputError("%s must be a whole number, not %s" % (name, _shown(value)))


def in_range(low, high, what):
    def rule(name, value):
        number = _whole_number(name, value)
        if not low <= number <= high:
            raise InputError("%s is %d; %s must be from %d to %d" % (name, number, what, low, high))

    return rule


def session_duration(name, value):
    in_range(
        limits.SESSION_DURATION_MIN,
        limits.SESSION_DURATION_MAX,
        "the lifetime of Roles Anywhere credentials (profile durationSeconds, seconds)",
    )(name, value)


def role_max_session_duration(name, value):
    """The IAM role's MaxSessionDuration, which the trust role raises to the profile's session duration."""
    number = max(limits.ROLE_MAX_SESSION_MIN, _whole_number(name, value))
    if number > limits.ROLE_MAX_SESSION_MAX:
        raise InputError(
            "%s is %d; the IAM role's maximum session duration follows it and IAM allows %d to %d seconds; "
            "lower it" % (name, number, limits.ROLE_MAX_SESSION_MIN, limits.ROLE_MAX_SESSION_MAX)
        )


def resource_name(name, value):
    if not limits.NAME_PATTERN.match(str(value or "")):
        raise InputError(
            "%s %s is not a Roles Anywhere name: 1-255 letters, digits, spaces, '-' and '_'; rename it"
            % (name, _shown(value))
        )


def iam_name(limit):
    def rule(name, value):
        text = str(value or "")
        if not 1 <= len(text) <= limit or not _IAM_NAME.match(text):
            raise InputError(
                "%s %s is not an IAM name: 1-%d letters, digits and +=,.@_-; rename it" % (name, _shown(value), limit)
            )

    return rule


def region(name, value):
    if value in (None, ""):
        return
    if not _REGION.match(str(value)):
        raise InputError("%s %s is not an AWS region name such as us-east-1 or eu-west-2" % (name, _shown(value)))


def arn(kind, required=False):
    def rule(name, value):
        if value in (None, ""):
            if required:
                raise InputError("%s is empty; give %s" % (name, limits.ARN_FORMS[kind]))
            return
        if not limits.ARN_PATTERNS[kind].match(str(value)):
            raise InputError("%s %s is not %s" % (name, _shown(value), limits.ARN_FORMS[kind]))

    return rule


def arn_list(kind):
    def rule(name, values):
        for index, value in enumerate(values or []):
            arn(kind, required=True)("%s[%d]" % (name, index), value)

    return rule


def aws_profile_name(name, value):
    """A profile name the AWS CLI reads back as written: no ']', no line breaks, no spaces at the ends."""
    text = "" if value is None else str(value)
    if not text:
        raise InputError("%s is empty; name the AWS profile (for example rolesanywhere)" % name)
    if "]" in text or "[" in text or _CONTROL.search(text):
        raise InputError(
            "%s %s contains '[', ']' or a line break, which would end the [profile ...] header of the AWS "
            "config early; use letters, digits and _.@+=,:/-" % (name, _shown(text))
        )
    if text != text.strip():
        raise InputError(
            "%s %s starts or ends with spaces, which the AWS CLI strips (the profile would not be found); "
            "remove them" % (name, _shown(text))
        )
    if not re.match(r"^[A-Za-z0-9_.@+=,:/-]+$", text):
        raise InputError(
            "%s %s is not a usable AWS profile name; use letters, digits and _.@+=,:/- only" % (name, _shown(text))
        )


def profile_settings(name, value):
    """Extra profile settings: plain keys, one-line values, none of the keys the role writes itself."""
    if not value:
        return
    if not isinstance(value, dict):
        raise InputError("%s must be a mapping of AWS config settings, not %s" % (name, _shown(value)))
    for key, setting in value.items():
        if str(key).lower() in RESERVED_PROFILE_SETTINGS:
            raise InputError(
                "%s sets %s, which the credential_helper role writes itself (or which would replace the "
                "credential_process credentials); remove it and use the role's own variable (region: "
                "rolesanywhere_region, endpoint: rolesanywhere_endpoint_url or rolesanywhere_endpoints)" % (name, key)
            )
        if not _SERVICE_KEY.match(str(key)):
            raise InputError("%s key %s is not an AWS config setting name (letters, digits, _)" % (name, _shown(key)))
        if setting is not None and ("\n" in str(setting) or "\r" in str(setting)):
            raise InputError("%s.%s must be one line; a line break would add lines to the AWS config" % (name, key))


def absolute_path(name, value):
    if value in (None, ""):
        return
    text = str(value)
    if not text.startswith(("/", "~")) or _CONTROL.search(text):
        raise InputError("%s %s must be an absolute path (starting with / or ~)" % (name, _shown(text)))
    if text.endswith("/"):
        raise InputError("%s %s ends with '/', so it names a directory; give the path of a file" % (name, _shown(text)))


def controller_directory(name, value):
    """A directory on the controller (the CA's): may be missing (it is created), must not be anything but a directory."""
    if value in (None, ""):
        return
    path = os.path.expanduser(str(value))
    if os.path.lexists(path) and not os.path.isdir(path):
        raise InputError(
            "%s %s is a file, not a directory; point it at the CA's directory (ca.crt, ca.key) or at a "
            "path that does not exist yet" % (name, _shown(str(value)))
        )


def absolute_directory(name, value):
    text = "" if value is None else str(value)
    if not text.startswith("/") or _CONTROL.search(text):
        raise InputError("%s %s must be an absolute directory path (starting with /)" % (name, _shown(text)))


def whole_seconds(what):
    def rule(name, value):
        if _whole_number(name, value) < 0:
            raise InputError("%s must be a whole number of seconds, 0 or more (%s); got %s" % (name, what, value))

    return rule


def one_of(*choices):
    def rule(name, value):
        if value not in choices:
            raise InputError("%s is %s; use one of %s" % (name, _shown(value), ", ".join(choices)))

    return rule


def credential_profiles(name, values):
    """Each entry of rolesanywhere_profiles, by the rule of the single-profile variable its key overrides."""
    if not values:
        return
    if not isinstance(values, (list, tuple)):
        raise InputError("%s must be a list of profile entries" % name)
    for index, entry in enumerate(values):
        if not isinstance(entry, dict):
            raise InputError("%s[%d] must be a mapping" % (name, index))
        for key, rule in PROFILE_ENTRY_RULES.items():
            if entry.get(key) not in (None, ""):
                rule("%s[%d].%s" % (name, index, key), entry[key])


PROFILE_ENTRY_RULES = {
    "aws_profile": aws_profile_name,
    "aws_config_file": absolute_path,
    "region": region,
    "trust_anchor_arn": arn("trust-anchor"),
    "profile_arn": arn("profile"),
    "role_arn": arn("role"),
    "session_duration": session_duration,
    "endpoint_url": endpoint_url,
    "endpoints": endpoint_map,
    "settings": profile_settings,
}

# The keys of a profile the credential_helper role writes, once its inputs are merged with rolesanywhere_profiles and
# the trust role's results, each checked by the rule of the variable that sets it (rolesanywhere_<key>, in RULES). The
# ARNs are required here, not in RULES, because the single-profile variables may stay empty when the trust role or
# rolesanywhere_profiles provide them.
WRITTEN_PROFILE_KEYS = (
    "aws_profile",
    "trust_anchor_arn",
    "profile_arn",
    "role_arn",
    "session_duration",
    "endpoint_url",
    "endpoints",
)
REQUIRED_IN_WRITTEN_PROFILE = {
    "trust_anchor_arn": arn("trust-anchor", required=True),
    "profile_arn": arn("profile", required=True),
    "role_arn": arn("role", required=True),
}


def written_profile_problem(entry):
    """What keeps one merged profile entry from being written, as one message naming its variables; None when usable."""
    problems = []
    for key in WRITTEN_PROFILE_KEYS:
        variable = "rolesanywhere_" + key
        rule = REQUIRED_IN_WRITTEN_PROFILE.get(key) or RULES[variable]
        try:
            rule(variable, entry.get(key))
        except InputError as exc:
            problems.append(str(exc))
    if not problems:
        return None
    return "AWS profile %s: %s. Run the trust role first or set them (per profile in rolesanywhere_profiles)" % (
        _shown(entry.get("aws_profile")),
        "; ".join(problems),
    )


# Every role variable with a rule. A role hands validate_inputs the ones it uses; names without a rule are an error
# in the role (caught by the unit tests), not silently skipped.
RULES = {
    "rolesanywhere_region": region,
    "rolesanywhere_endpoint_url": endpoint_url,
    "rolesanywhere_endpoints": endpoint_map,
    "rolesanywhere_trust_anchor_name": resource_name,
    "rolesanywhere_profile_name": resource_name,
    "rolesanywhere_crl_name": resource_name,
    "rolesanywhere_role_name": iam_name(64),
    "rolesanywhere_role_policy_name": iam_name(128),
    "rolesanywhere_session_duration": session_duration,
    "rolesanywhere_subject_common_names": common_name_patterns,
    "rolesanywhere_profile_managed_policy_arns": arn_list("policy"),
    "rolesanywhere_profile_roles_mode": one_of("replace", "merge"),
    "rolesanywhere_ca_path": controller_directory,
    "rolesanywhere_ca_common_name": common_name,
    "rolesanywhere_ca_validity_days": in_range(1, 36500, "the CA certificate's validity in days"),
    "rolesanywhere_acm_pca_arn": arn("acm-pca"),
    "rolesanywhere_common_name": common_name,
    "rolesanywhere_organization": subject_attribute,
    "rolesanywhere_organizational_unit": subject_attribute,
    "rolesanywhere_dns_names": dns_names,
    "rolesanywhere_cert_dir": absolute_path,
    "rolesanywhere_cert_validity_days": in_range(1, 3650, "the host certificate's validity in days"),
    "rolesanywhere_renew_before_days": in_range(0, 3650, "the renewal window in days"),
    "rolesanywhere_trust_anchor_arn": arn("trust-anchor"),
    "rolesanywhere_profile_arn": arn("profile"),
    "rolesanywhere_role_arn": arn("role"),
    "rolesanywhere_aws_profile": aws_profile_name,
    "rolesanywhere_aws_config_file": absolute_path,
    "rolesanywhere_aws_profile_settings": profile_settings,
    "rolesanywhere_profiles": credential_profiles,
    "rolesanywhere_verify_timeout": in_range(10, 3600, "the time one AWS CLI call of verify may take (seconds)"),
    "rolesanywhere_signing_helper_install_dir": absolute_directory,
    "rolesanywhere_credential_cache_max_age": whole_seconds("0 turns the Python program's credential cache off"),
}


def check_inputs(inputs):
    """Every error of ``inputs`` (variable name -> value), as messages; an empty list when all pass.

    Raises KeyError for a variable without a rule: a role asking for a check nobody wrote.
    """
    errors = []
    for name in sorted(inputs):
        rule = RULES[name]
        try:
            rule(name, inputs[name])
        except InputError as exc:
            errors.append(str(exc))
    return errors
