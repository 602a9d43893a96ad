# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profiles: which roles a certificate may assume, for how long, under which session policies, and how certificate
fields map to session tags."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from copy import deepcopy

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import service_limits as limits
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    PROFILE,
    RolesAnywhereError,
    apply_update,
    call,
    ensure_enabled,
    ensure_tags,
    normalize_resource,
)

MAX_SPECIFIER_CHARS = 60
CERTIFICATE_FIELDS = ("x509Subject", "x509Issuer", "x509SAN")
# What the service gives a new profile (User Guide, "attribute mapping").
DEFAULT_ATTRIBUTE_MAPPINGS = {"x509Subject": ["*"], "x509Issuer": ["*"], "x509SAN": ["DNS", "URI", "Name/*"]}


# ---------------------------------------------------------------------------------------------------------------
# Validation (no API call)
# ---------------------------------------------------------------------------------------------------------------


def parse_session_policy(value, field="session_policy"):
    """A dict from a dict or a JSON string; None when not managed. Raises ValueError naming the field."""
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            value = json.loads(value)
        except ValueError as error:
            raise ValueError(f"{field} is not valid JSON ({error}); pass a policy document as a dict or a JSON string")
    if not isinstance(value, dict):
        raise ValueError(
            f"{field} must be an IAM policy document (a dict or a JSON object string), got {type(value).__name__}"
        )
    if value and "Statement" not in value:
        raise ValueError(
            f"{field} has no 'Statement'; a session policy is an IAM policy document with Version and Statement"
        )
    return value


def _validate_arns(values, pattern, limit, field, example):
    if values is None:
        return None
    if len(values) > limit:
        return f"{field} has {len(values)} entries; a profile accepts at most {limit}"
    for value in values:
        if not pattern.match(value):
            return f"{field} entry '{value}' is not an IAM ARN of the expected form ({example})"
    return None


def _validate_attribute_mappings(mappings):
    seen = set()
    for index, mapping in enumerate(mappings or []):
        field = mapping.get("certificate_field")
        if field in seen:
            return f"attribute_mappings[{index}] repeats certificate_field {field}; list each field once"
        seen.add(field)
        for specifier in mapping.get("specifiers") or []:
            if len(specifier) > MAX_SPECIFIER_CHARS:
                return f"attribute_mappings[{index}] specifier '{specifier}' is longer than {MAX_SPECIFIER_CHARS} characters"
    return None


def validate_profile_params(params):
    duration = params.get("duration_seconds")
    if duration is not None and not limits.SESSION_DURATION_MIN <= duration <= limits.SESSION_DURATION_MAX:
        return (
            f"duration_seconds is {duration}; profiles accept {limits.SESSION_DURATION_MIN} to "
            f"{limits.SESSION_DURATION_MAX} seconds (15 minutes to 12 hours)"
        )
    try:
        parse_session_policy(params.get("session_policy"))
    except ValueError as error:
        return str(error)
    return (
        _validate_arns(
            params.get("role_arns"),
            limits.ARN_PATTERNS["role"],
            limits.MAX_ROLE_ARNS,
            "role_arns",
            "arn:aws:iam::123456789012:role/NAME",
        )
        or _validate_arns(
            params.get("managed_policy_arns"),
            limits.ARN_PATTERNS["policy"],
            limits.MAX_MANAGED_POLICY_ARNS,
            "managed_policy_arns",
            "arn:aws:iam::aws:policy/NAME or arn:aws:iam::123456789012:policy/NAME",
        )
        or _validate_attribute_mappings(params.get("attribute_mappings"))
    )


# ---------------------------------------------------------------------------------------------------------------
# Comparison helpers
# ---------------------------------------------------------------------------------------------------------------


def session_policy_as_dict(text):
    """The profile's stored session policy as a dict ({} when none, the raw text when it is not JSON)."""
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text


def session_policy_differs(current_text, desired):
    current = session_policy_as_dict(current_text)
    if not desired:
        return bool(current)
    if not isinstance(current, dict) or not current:
        return True
    return compare_policies(current, desired, default_version=None)


def mappings_by_field(attribute_mappings):
    """API attribute mappings as {certificateField: sorted specifiers}."""
    return dict(
        (mapping["certificateField"], sorted(rule["specifier"] for rule in mapping.get("mappingRules") or []))
        for mapping in attribute_mappings or []
    )


def plan_attribute_mappings(current, desired):
    """(puts, deletes): fields whose specifiers must be replaced, and fields whose mapping must go. Unlisted fields stay."""
    current_by_field = mappings_by_field(current)
    puts, deletes = {}, []
    for mapping in desired or []:
        field, wanted = mapping["certificate_field"], sorted(set(mapping.get("specifiers") or []))
        have = current_by_field.get(field, [])
        if not wanted:
            if have:
                deletes.append(field)
        elif wanted != have:
            puts[field] = wanted
    return puts, deletes


def _apply_mapping_plan(current, puts, deletes):
    by_field = mappings_by_field(current)
    by_field.update(puts)
    for field in deletes:
        by_field.pop(field, None)
    return [
        {"certificateField": field, "mappingRules": [{"specifier": spec} for spec in specs]}
        for field, specs in sorted(by_field.items())
    ]


# ---------------------------------------------------------------------------------------------------------------
# Reconciliation
# ---------------------------------------------------------------------------------------------------------------


def _create_request(params):
    if not params.get("role_arns"):
        raise RolesAnywhereError(
            message=f"profile '{params['name']}' does not exist yet; role_arns is required to create it "
            "(the roles a certificate may assume through this profile)"
        )
    request = {"name": params["name"], "roleArns": params["role_arns"], "enabled": params.get("enabled") is not False}
    policy = parse_session_policy(params.get("session_policy"))
    if policy:
        request["sessionPolicy"] = json.dumps(policy, sort_keys=True)
    optional = {
        "managedPolicyArns": params.get("managed_policy_arns"),
        "durationSeconds": params.get("duration_seconds"),
        "acceptRoleSessionName": params.get("accept_role_session_name"),
        "requireInstanceProperties": params.get("require_instance_properties"),
    }
    request.update((key, value) for key, value in optional.items() if value is not None)
    if params.get("tags"):
        request["tags"] = ansible_dict_to_boto3_tag_list(params["tags"], "key", "value")
    return request


def create_profile(client, params, check_mode):
    request = _create_request(params)
    tags = dict((key, str(value)) for key, value in (params.get("tags") or {}).items())
    if check_mode:
        predicted = deepcopy(request)
        predicted.setdefault("durationSeconds", 3600)
        predicted["tags"] = tags
        predicted["attributeMappings"] = _apply_mapping_plan(
            [], dict((field, specs) for field, specs in DEFAULT_ATTRIBUTE_MAPPINGS.items()), []
        )
        predicted["profileId"] = None
        return predicted
    created = call(client, "create_profile", **request)["profile"]
    created["tags"] = tags
    return created


def desired_role_arns(current, params):
    """The profile's roles after this run: role_arns, or (purge_role_arns=false) the current roles plus role_arns."""
    if params.get("role_arns") is None:
        return None
    if params.get("purge_role_arns") is False:
        existing = list((current or {}).get("roleArns") or [])
        return existing + [arn for arn in params["role_arns"] if arn not in existing]
    return params["role_arns"]


def dropped_role_arns(current, params):
    """Roles of the existing profile that this run would remove (role_arns replaces the list)."""
    wanted = desired_role_arns(current, params)
    if current is None or wanted is None:
        return []
    return sorted(set(current.get("roleArns") or []) - set(wanted))


def _profile_updates(current, params):
    updates = {}
    if params.get("name") and params["name"] != current.get("name"):
        updates["name"] = params["name"]
    wanted_roles = desired_role_arns(current, params)
    if wanted_roles is not None and sorted(set(wanted_roles)) != sorted(set(current.get("roleArns") or [])):
        updates["roleArns"] = wanted_roles
    managed = params.get("managed_policy_arns")
    if managed is not None and sorted(set(managed)) != sorted(set(current.get("managedPolicyArns") or [])):
        updates["managedPolicyArns"] = managed
    for option, key in (("duration_seconds", "durationSeconds"), ("accept_role_session_name", "acceptRoleSessionName")):
        if params.get(option) is not None and params[option] != current.get(key):
            updates[key] = params[option]
    policy = parse_session_policy(params.get("session_policy"))
    if policy is not None and session_policy_differs(current.get("sessionPolicy"), policy):
        if not policy:
            raise RolesAnywhereError(
                message=f"profile '{current.get('name')}' has a session policy and the Roles Anywhere API cannot remove one "
                "(UpdateProfile needs a non-empty policy); give session_policy a policy document, or delete and "
                "recreate the profile (state=absent, then present)"
            )
        updates["sessionPolicy"] = json.dumps(policy, sort_keys=True)
    return updates


def _ensure_profile_fields(client, current, params, check_mode):
    return apply_update(client, PROFILE, current, _profile_updates(current, params), check_mode)


def _ensure_attribute_mappings(client, current, params, check_mode):
    puts, deletes = plan_attribute_mappings(current.get("attributeMappings"), params.get("attribute_mappings"))
    if not puts and not deletes:
        return False, current
    updated = deepcopy(current)
    updated["attributeMappings"] = _apply_mapping_plan(current.get("attributeMappings"), puts, deletes)
    if not check_mode:
        profile_id = current["profileId"]
        for field in deletes:
            call(client, "delete_attribute_mapping", profileId=profile_id, certificateField=field)
        for field, specifiers in sorted(puts.items()):
            call(
                client,
                "put_attribute_mapping",
                profileId=profile_id,
                certificateField=field,
                mappingRules=[{"specifier": specifier} for specifier in specifiers],
            )
    return True, updated


def ensure_profile_present(client, current, params, check_mode):
    """Returns (changed, raw profile as it is, or would be, afterwards)."""
    changed = False
    if current is None:
        resource = create_profile(client, params, check_mode)
        changed = True
    else:
        resource = current
        if (
            params.get("require_instance_properties") is not None
            and bool(current.get("requireInstanceProperties")) != params["require_instance_properties"]
        ):
            raise RolesAnywhereError(
                message="require_instance_properties is set only when a profile is created; "
                "delete and recreate the profile to change it, or omit the option"
            )
        step_changed, resource = _ensure_profile_fields(client, resource, params, check_mode)
        changed |= step_changed
        step_changed, resource = ensure_enabled(client, PROFILE, resource, params.get("enabled"), check_mode)
        changed |= step_changed
        step_changed, resource = ensure_tags(
            client, PROFILE, resource, params.get("tags"), params.get("purge_tags"), check_mode
        )
        changed |= step_changed
    step_changed, resource = _ensure_attribute_mappings(client, resource, params, check_mode)
    return changed or step_changed, resource


def normalize_profile(resource):
    if resource is None:
        return None
    prepared = dict(resource)
    prepared["sessionPolicy"] = session_policy_as_dict(resource.get("sessionPolicy")) or None
    return normalize_resource(prepared, keep_as_is=("sessionPolicy",))
