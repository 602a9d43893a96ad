# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every IAM Roles Anywhere resource module shares.

The service addresses trust anchors, profiles and CRLs by UUID only; names are free text and need not be
unique, and there is no name filter. So "find by name" means listing every resource over the paginator and
matching, and a name held by two resources is an error the user must resolve with an id. Enabled state changes
only through separate Enable*/Disable* calls and tags only through TagResource/UntagResource; both are
reconciled here once for all three resource kinds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import functools
import re
from collections import namedtuple
from copy import deepcopy

try:
    from botocore.config import Config as BotocoreConfig
except ImportError:
    BotocoreConfig = None  # AnsibleAWSModule reports the missing botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.service_limits import (
    MAX_TAGS,
    NAME_PATTERN,
    TAG_TEXT_PATTERN,
    UUID_PATTERN,
)

SERVICE = "rolesanywhere"


# Error codes worth another attempt: the service's quotas answer with throttling, its front end with 5xx.
RETRYABLE_CODES = [
    "ThrottlingException",
    "TooManyRequestsException",
    "TooManyRequests",
    "ServiceUnavailableException",
    "InternalServerException",
    "InternalServerError",
]

ResourceKind = namedtuple(
    "ResourceKind",
    [
        "label",
        "arn_type",
        "id_key",
        "arn_key",
        "detail_key",
        "list_key",
        "plural",
        "operation_suffix",
        "list_operation",
    ],
)

TRUST_ANCHOR = ResourceKind(
    "trust anchor",
    "trust-anchor",
    "trustAnchorId",
    "trustAnchorArn",
    "trustAnchor",
    "trustAnchors",
    "trust_anchors",
    "trust_anchor",
    "list_trust_anchors",
)
PROFILE = ResourceKind(
    "profile", "profile", "profileId", "profileArn", "profile", "profiles", "profiles", "profile", "list_profiles"
)
CRL = ResourceKind("CRL", "crl", "crlId", "crlArn", "crl", "crls", "crls", "crl", "list_crls")


class RolesAnywhereError(AnsibleAWSError):
    """A failure with a message meant for the user (and, for API errors, the botocore exception)."""


class AmbiguousNameError(RolesAnywhereError):
    """Two or more resources share the requested name; only an id can say which one is meant."""


# What the service answers when the caller's IAM policies do not allow the action.
ACCESS_DENIED_CODES = ("AccessDeniedException", "AccessDenied")
CONTROLLER_POLICY_DOC = "docs/policies/controller.json"


# AWS names the refused action in its message; it is not always the operation's own (CreateProfile also needs
# iam:PassRole for its roles, tags given at creation need rolesanywhere:TagResource).
_REFUSED_ACTION = re.compile(r"not authorized to perform:? ([A-Za-z0-9-]+:[A-Za-z0-9*]+)")


def refused_permission(exception):
    """The IAM action the caller lacks when ``exception`` is an access denial, else None."""
    error = (getattr(exception, "response", None) or {}).get("Error", {})
    if error.get("Code") not in ACCESS_DENIED_CODES:
        return None
    named = _REFUSED_ACTION.search(error.get("Message") or "")
    if named:
        return named.group(1)
    operation = getattr(exception, "operation_name", None) or "the operation"
    return f"rolesanywhere:{operation} (or an action it depends on, such as iam:PassRole or rolesanywhere:TagResource)"


class RolesAnywhereErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = RolesAnywhereError

    @classmethod
    def common_error_handler(cls, description):
        """AWSErrorHandler's handler; a refusal also names the permission the controller's credentials lack."""
        base_handler = super(RolesAnywhereErrorHandler, cls).common_error_handler(description)

        def wrapper(func):
            wrapped = base_handler(func)

            @functools.wraps(func)
            def handler(*args, **kwargs):
                try:
                    return wrapped(*args, **kwargs)
                except RolesAnywhereError as error:
                    permission = refused_permission(error.exception)
                    if permission is None:
                        raise
                    raise RolesAnywhereError(
                        message=f"Failed to {description}: the controller's AWS credentials are not allowed "
                        f"{permission}; grant it as {CONTROLLER_POLICY_DOC} in the collection does",
                        exception=error.exception,
                    ) from error.exception

            return handler

        return wrapper

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


class RolesAnywhereRetry(AWSRetry):
    """AWSRetry that also retries any HTTP 5xx, whatever error code the server put on it."""

    @staticmethod
    def status_code_from_exception(error):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if status >= 500 or status == 429:
            return "ServiceUnavailable"
        return error.response.get("Error", {}).get("Code")


def retry_policy():
    """The jittered backoff every Roles Anywhere call goes through (1 TPS per resource group quota)."""
    return RolesAnywhereRetry.jittered_backoff(
        retries=8, delay=1, max_delay=20, catch_extra_error_codes=RETRYABLE_CODES
    )


# An endpoint that accepts the connection and never answers must fail the task, not hang it: botocore's own defaults
# are 60 s per connect and read with retries on top. AWSRetry above handles throttling; botocore retries a network
# failure at most twice. A user's aws_config option still overrides these.
CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 60
NETWORK_MAX_ATTEMPTS = 3


def client_config():
    """The botocore Config of every AWS client the collection's modules make: bounded timeouts, few network retries."""
    return BotocoreConfig(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "total_max_attempts": NETWORK_MAX_ATTEMPTS},
    )


def rolesanywhere_client(module):
    return module.client(SERVICE, retry_decorator=retry_policy(), config=client_config())


# ---------------------------------------------------------------------------------------------------------------
# Identity: ids, ARNs, names
# ---------------------------------------------------------------------------------------------------------------


def resource_id_from(identifier, kind):
    """The UUID behind an id or an ARN of ``kind``; raises RolesAnywhereError naming the expected forms."""
    value = (identifier or "").strip()
    if value.startswith("arn:"):
        resource = value.split(":", 5)[-1]
        prefix = kind.arn_type + "/"
        if not resource.startswith(prefix):
            raise RolesAnywhereError(
                message=f"'{value}' is not a {kind.label} ARN (expected arn:aws:rolesanywhere:REGION:ACCOUNT:{prefix}UUID)"
            )
        value = resource[len(prefix) :]
    if not UUID_PATTERN.match(value):
        raise RolesAnywhereError(
            message=f"'{identifier}' is neither a {kind.label} id (a lower-case UUID) nor a {kind.label} ARN"
        )
    return value


def validate_name(name, field="name"):
    """Return an error message when ``name`` breaks the service's ResourceName rule, else None."""
    if name is None:
        return None
    if not NAME_PATTERN.match(name):
        return (
            f"{field} '{name}' is invalid: Roles Anywhere names are 1-255 characters of letters, digits, spaces, '-' and '_'; "
            "rename it"
        )
    return None


def validate_tags(tags, field="tags"):
    """Return an error message when ``tags`` break the service's tag rules, else None."""
    if not tags:
        return None
    if len(tags) > MAX_TAGS:
        return f"{field} has {len(tags)} entries; Roles Anywhere allows at most {MAX_TAGS} tags per resource"
    for key, value in tags.items():
        key, value = str(key), "" if value is None else str(value)
        if not 1 <= len(key) <= 128 or not TAG_TEXT_PATTERN.match(key):
            return f"{field} key '{key}' is invalid: keys are 1-128 characters of letters, digits, spaces and _ . : / = + @ -"
        if len(value) > 256 or not TAG_TEXT_PATTERN.match(value):
            return f"{field} value of '{key}' is invalid: values are 0-256 characters of letters, digits, spaces and _ . : / = + @ -"
    return None


def find_by_name(resources, name, kind):
    """The one resource called ``name`` in ``resources`` (raw API dicts), None when absent.

    Raises AmbiguousNameError listing the ids when the name is shared, because acting on either would be a guess.
    """
    matches = [resource for resource in resources if resource.get("name") == name]
    if len(matches) > 1:
        ids = ", ".join(sorted(resource[kind.id_key] for resource in matches))
        raise AmbiguousNameError(
            message=f"{len(matches)} {kind.plural.replace('_', ' ')} are named '{name}' ({ids}); "
            f"address the one you mean by its id or ARN ({kind.operation_suffix}_id), or rename the others"
        )
    return matches[0] if matches else None


# ---------------------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------------------


def _operation(client, verb, kind):
    return getattr(client, f"{verb}_{kind.operation_suffix}")


def list_resources(client, kind):
    """Every resource of ``kind`` in the account and region (raw API dicts), over all pages."""
    return _list_all_pages(client, kind)


@RolesAnywhereErrorHandler.common_error_handler("list Roles Anywhere resources")
def _list_all_pages(client, kind):
    # Paginators are not wrapped by the retrying client, so the whole walk is retried as one unit.
    @retry_policy()
    def walk():
        paginator = client.get_paginator(kind.list_operation)
        return paginator.paginate().build_full_result().get(kind.list_key, [])

    return walk()


@RolesAnywhereErrorHandler.list_error_handler("get the Roles Anywhere resource")
def get_resource(client, kind, resource_id):
    """The raw detail of one resource, None when it does not exist."""
    response = _operation(client, "get", kind)(aws_retry=True, **{kind.id_key: resource_id})
    return response[kind.detail_key]


@RolesAnywhereErrorHandler.list_error_handler("list the tags of the Roles Anywhere resource", default_value={})
def list_tags(client, arn):
    response = client.list_tags_for_resource(aws_retry=True, resourceArn=arn)
    return boto3_tag_list_to_ansible_dict(response.get("tags", []), "key", "value")


def locate(client, kind, name=None, identifier=None):
    """The raw detail of the resource addressed by id/ARN (preferred) or by name; None when absent."""
    if identifier:
        return get_resource(client, kind, resource_id_from(identifier, kind))
    return find_by_name(list_resources(client, kind), name, kind)


def with_tags(client, kind, resource):
    """A copy of the raw detail with the resource's tags as a dict under ``tags``."""
    if resource is None:
        return None
    described = deepcopy(resource)
    described["tags"] = list_tags(client, resource[kind.arn_key])
    return described


# ---------------------------------------------------------------------------------------------------------------
# Normalising what the API returns into what modules return
# ---------------------------------------------------------------------------------------------------------------


def _timestamps_as_text(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return dict((key, _timestamps_as_text(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_timestamps_as_text(item) for item in value]
    return value


def normalize_resource(resource, keep_as_is=()):
    """snake_case keys, ISO timestamps, tags as a dict; keys in ``keep_as_is`` (and tags) are not re-cased."""
    if resource is None:
        return None
    untouched = dict((key, resource[key]) for key in ("tags",) + tuple(keep_as_is) if key in resource)
    converted = camel_dict_to_snake_dict(
        _timestamps_as_text(dict((key, value) for key, value in resource.items() if key not in untouched))
    )
    for key, value in untouched.items():
        converted[camel_dict_to_snake_dict({key: None}).popitem()[0]] = value
    converted.setdefault("tags", {})
    return converted


# ---------------------------------------------------------------------------------------------------------------
# Writing: shared reconciliations
# ---------------------------------------------------------------------------------------------------------------


def call(client, operation, **params):
    """One mutating call, retried on throttling/5xx; callers never reach here in check mode."""
    # The failure names the call ("Failed to import crl"), not just "a change".
    handled = RolesAnywhereErrorHandler.common_error_handler(operation.replace("_", " "))(getattr(client, operation))
    return handled(aws_retry=True, **params)


def ensure_tags(client, kind, resource, desired_tags, purge_tags, check_mode):
    """Make the resource's tags match; ``resource`` is a raw detail carrying ``tags`` as a dict.

    Returns (changed, resource with the resulting tags).
    """
    if desired_tags is None:
        return False, resource
    current = resource.get("tags") or {}
    to_set, to_unset = compare_aws_tags(current, desired_tags, purge_tags)
    if not to_set and not to_unset:
        return False, resource
    updated = deepcopy(resource)
    tags = dict(current)
    for key in to_unset:
        tags.pop(key, None)
    tags.update(dict((key, str(value)) for key, value in to_set.items()))
    updated["tags"] = tags
    if not check_mode:
        arn = resource[kind.arn_key]
        if to_unset:
            call(client, "untag_resource", resourceArn=arn, tagKeys=list(to_unset))
        if to_set:
            call(client, "tag_resource", resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(to_set, "key", "value"))
    return True, updated


def ensure_enabled(client, kind, resource, enabled, check_mode):
    """Enable or disable through the dedicated calls (Update* does not take ``enabled``)."""
    if enabled is None or bool(resource.get("enabled")) == enabled:
        return False, resource
    updated = deepcopy(resource)
    updated["enabled"] = enabled
    if not check_mode:
        verb = "enable" if enabled else "disable"
        response = call(client, f"{verb}_{kind.operation_suffix}", **{kind.id_key: resource[kind.id_key]})
        updated.update(response[kind.detail_key])
    return True, updated


def delete_resource(client, kind, resource, check_mode):
    """Delete when present; deleting what is already gone is not a change."""
    if resource is None:
        return False
    if not check_mode:
        _delete(client, kind, resource[kind.id_key])
    return True


@RolesAnywhereErrorHandler.deletion_error_handler("delete the Roles Anywhere resource")
def _delete(client, kind, resource_id):
    _operation(client, "delete", kind)(aws_retry=True, **{kind.id_key: resource_id})
    return True


def apply_update(client, kind, current, updates, check_mode):
    """Send ``updates`` (API field -> value) with the kind's Update call: (changed, resource as it is or would be)."""
    if not updates:
        return False, current
    updated = deepcopy(current)
    updated.update(updates)
    if not check_mode:
        arguments = dict(updates)
        arguments[kind.id_key] = current[kind.id_key]
        updated.update(call(client, "update_" + kind.operation_suffix, **arguments)[kind.detail_key])
    return True, updated


def changed_fields(current, desired):
    """The subset of ``desired`` (field -> value, None = not managed) that differs from ``current``."""
    return dict((key, value) for key, value in desired.items() if value is not None and current.get(key) != value)


def diff_result(before, after):
    return {"before": before or {}, "after": after or {}}


# ---------------------------------------------------------------------------------------------------------------
# The flow every resource module follows
# ---------------------------------------------------------------------------------------------------------------


def id_option(kind):
    """The option that addresses one resource exactly (crl_id, profile_id, trust_anchor_id)."""
    return kind.operation_suffix + "_id"


def resource_argument_spec(kind, **options):
    """The options every module that manages a ``kind`` has, and its own ``options``."""
    spec = dict(
        name=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        enabled=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    spec[id_option(kind)] = dict(type="str", aliases=[kind.operation_suffix + "_arn"])
    spec.update(options)
    return spec


def info_argument_spec(kind, **options):
    """The options of a ``kind``'s _info module: a name, the id or ARN, and its own ``options``."""
    spec = dict(name=dict(type="str"))
    spec[id_option(kind)] = dict(type="str", aliases=[kind.operation_suffix + "_arn"])
    spec.update(options)
    return spec


def manage_resource(module, kind, id_option, validate, ensure_present, normalize):
    """Validate, locate, reconcile (or delete), re-read, and exit with ``changed``, the resource and a diff.

    ``validate(params)`` returns an error message (checked before any API call); ``ensure_present(client, current,
    params, check_mode)`` returns (changed, raw resource); ``normalize(raw)`` gives the snake_case result.
    """
    params = module.params
    problem = validate_name(params.get("name")) or validate_tags(params.get("tags")) or validate(params)
    if problem:
        module.fail_json(msg=problem)
    client = rolesanywhere_client(module)
    identifier = params.get(id_option)
    try:
        current = with_tags(client, kind, locate(client, kind, name=params.get("name"), identifier=identifier))
        if current is None and identifier and params["state"] == "present":
            raise RolesAnywhereError(
                message=f"no {kind.label} has the id or ARN '{identifier}' ({id_option}); "
                f"omit {id_option} and give name to create one"
            )
        before = normalize(current)
        if params["state"] == "absent":
            changed = delete_resource(client, kind, current, module.check_mode)
            after = None
        else:
            changed, resource = ensure_present(client, current, params, module.check_mode)
            if changed and not module.check_mode:
                # Re-read so the result shows what the service holds, not what we asked for.
                resource = with_tags(client, kind, get_resource(client, kind, resource[kind.id_key]))
            after = normalize(resource)
    except RolesAnywhereError as error:
        module.fail_json_aws_error(error)
    result = {"changed": changed, kind.operation_suffix: after}
    if changed:
        result["diff"] = diff_result(before, after)
    module.exit_json(**result)


def describe_resources(module, kind, id_option, normalize, keep=None):
    """For the _info modules: one resource by id/ARN, those with a name, or all; each with tags."""
    params = module.params
    problem = validate_name(params.get("name"))
    if problem:
        module.fail_json(msg=problem)
    client = rolesanywhere_client(module)
    try:
        if params.get(id_option):
            found = get_resource(client, kind, resource_id_from(params[id_option], kind))
            resources = [found] if found else []
        else:
            resources = list_resources(client, kind)
            if params.get("name"):
                resources = [resource for resource in resources if resource.get("name") == params["name"]]
        if keep is not None:
            resources = [resource for resource in resources if keep(resource)]
        described = [normalize(with_tags(client, kind, resource)) for resource in resources]
    except RolesAnywhereError as error:
        module.fail_json_aws_error(error)
    module.exit_json(changed=False, **{kind.plural: described})
