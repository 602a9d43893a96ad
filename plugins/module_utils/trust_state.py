# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does a control-plane resource, as read by the trust_state module, already hold what the trust role asks for?

The trust role reads the trust anchor, the IAM role and its inline policy, the profile and the CRL in one process
(trust_state) and skips the module of each resource these functions call unchanged. The answers reuse the modules' own
reconciliation code, in check mode and without a client, so "unchanged" means what the module itself would decide; any
doubt (a resource that could not be read, an input a module would refuse) answers False and the module runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import (
    crl_resource,
    profile_resource,
    trust_anchor_resource,
)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    CRL,
    PROFILE,
    TRUST_ANCHOR,
    ensure_enabled,
    ensure_tags,
)

# The defaults of the trust_anchor, profile and crl modules' options the trust role leaves out.
TRUST_ANCHOR_DEFAULTS = {
    "state": "present",
    "enabled": True,
    "purge_notification_settings": False,
    "append": False,
    "replace": False,
    "purge_tags": True,
}
PROFILE_DEFAULTS = {"state": "present", "enabled": True, "purge_tags": True, "purge_role_arns": True}
CRL_DEFAULTS = {"state": "present", "enabled": True, "purge_tags": True}


def crl_data_as_text(data):
    """CRL bytes as the read step returns them (JSON carries no bytes)."""
    return base64.b64encode(data or b"").decode("ascii")


# Options the modules' argument specs convert; a template may hand them over as text ("3600", "True").
INTEGER_OPTIONS = ("duration_seconds", "max_session_duration", "threshold")
BOOLEAN_OPTIONS = ("enabled", "purge_tags", "purge_role_arns", "purge_notification_settings", "append", "replace")


def _as_module_would(key, value):
    if value is None:
        return None
    if key in INTEGER_OPTIONS:
        return int(value)
    if key in BOOLEAN_OPTIONS:
        return boolean(value)
    return value


def _with_defaults(params, defaults):
    """``params`` with the module's defaults for what is left out, converted as the module's argument spec would."""
    merged = dict(defaults)
    merged.update((key, value) for key, value in (params or {}).items() if value is not None)
    return dict((key, _as_module_would(key, value)) for key, value in merged.items())


def _notification_settings_with_defaults(settings):
    """The suboption defaults the trust_anchor module applies to each notification setting."""
    if settings is None:
        return None
    return [
        dict(
            (key, _as_module_would(key, value))
            for key, value in dict({"enabled": True, "channel": "ALL", "threshold": None}, **setting).items()
        )
        for setting in settings
    ]


def _module_would_not_change(current, params, validate, ensure):
    """The resource module's own decision, in check mode: invalid parameters or any change mean the module runs."""
    if validate(params):
        return False
    changed, _resource = ensure(None, current, params, check_mode=True)
    return not changed


def trust_anchor_unchanged(current, params):
    """True when the trust_anchor module, given ``params``, would change nothing on ``current`` (raw detail with tags)."""
    if not current:
        return False
    params = _with_defaults(params, TRUST_ANCHOR_DEFAULTS)
    params["notification_settings"] = _notification_settings_with_defaults(params.get("notification_settings"))
    return _module_would_not_change(
        current,
        params,
        trust_anchor_resource.validate_trust_anchor_params,
        trust_anchor_resource.ensure_trust_anchor_present,
    )


def profile_unchanged(current, params):
    """True when the profile module, given ``params``, would change nothing on ``current``."""
    if not current:
        return False
    return _module_would_not_change(
        current,
        _with_defaults(params, PROFILE_DEFAULTS),
        profile_resource.validate_profile_params,
        profile_resource.ensure_profile_present,
    )


def crl_unchanged(current, params):
    """The crl module's decision for a CRL that stays on its trust anchor (a move or a new CRL: False, the module runs)."""
    if not current:
        return False
    params = _with_defaults(params, CRL_DEFAULTS)
    if crl_resource.validate_crl_params(params):
        return False
    if params.get("trust_anchor_arn") and params["trust_anchor_arn"] != current.get("trustAnchorArn"):
        return False
    current = dict(current, crlData=base64.b64decode(current.get("crlData") or ""))
    changed, resource = crl_resource._ensure_name_and_data(None, current, params, check_mode=True)  # pylint: disable=protected-access
    if changed:
        return False
    changed, resource = ensure_enabled(None, CRL, resource, params.get("enabled"), check_mode=True)
    if changed:
        return False
    changed, _resource = ensure_tags(None, CRL, resource, params.get("tags"), params.get("purge_tags"), check_mode=True)
    return not changed


def iam_role_unchanged(current, params):
    """amazon.aws.iam_role's decision for an existing role, for the options the trust role gives it.

    ``current``: {arn, assume_role_policy_document (dict), max_session_duration, tags}; ``params``: {assume_role_policy_document
    (JSON text), max_session_duration, tags}. The role's managed policies are not managed (purge_policies false, none given).
    """
    if not current:
        return False
    try:
        desired_policy = json.loads(params["assume_role_policy_document"])
    except (KeyError, TypeError, ValueError):
        return False
    if compare_policies(current.get("assume_role_policy_document"), desired_policy):
        return False
    if params.get("max_session_duration") is not None and int(params["max_session_duration"]) != current.get(
        "max_session_duration"
    ):
        return False
    if params.get("tags") is not None:
        to_set, to_unset = compare_aws_tags(current.get("tags") or {}, params["tags"], True)
        if to_set or to_unset:
            return False
    return True


def iam_policy_unchanged(current_document, params):
    """amazon.aws.iam_policy's decision: the inline policy exists with an equivalent document."""
    if current_document is None:
        return False
    try:
        desired = json.loads(params["policy_json"])
    except (KeyError, TypeError, ValueError):
        return False
    return not compare_policies(current_document, desired)


CHECKS = {
    "trust_anchor": trust_anchor_unchanged,
    "profile": profile_unchanged,
    "crl": crl_unchanged,
    "iam_role": iam_role_unchanged,
    "iam_policy": iam_policy_unchanged,
}

KINDS = {"trust_anchor": TRUST_ANCHOR, "profile": PROFILE, "crl": CRL}


def unchanged(state, kind, params):
    """The answer for one resource of the trust_state result ``state``; anything unexpected answers False."""
    current = (state or {}).get(kind)
    try:
        return bool(CHECKS[kind](current, params))
    except Exception:  # pylint: disable=broad-except
        # Correctness first: whatever this code does not foresee, the module itself decides.
        return False


def kinds_to_ensure(state, desired):
    """The kinds of ``desired`` (kind -> the options its module gets) whose module must run, sorted.

    Options of None mean they could not be known before an earlier step ran: that module runs.
    """
    return sorted(kind for kind, params in desired.items() if params is None or not unchanged(state, kind, params))
