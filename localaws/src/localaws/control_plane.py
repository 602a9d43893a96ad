"""The 30 control-plane operations of IAM Roles Anywhere over the shared `Store`.

Each handler receives the already parsed and model-validated input (member name -> value) and returns a dict in the
operation's output shape; the server serializes it with the service model. Rules the model cannot express
(existence, uniqueness, union contents, tag totals) live here.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from typing import Callable

from cryptography import x509

from .errors import ServiceError, not_found, validation_error
from .store import Store

SERVICE_PRINCIPAL = "rolesanywhere.amazonaws.com"
DEFAULT_PAGE_SIZE = 50
DEFAULT_DURATION_SECONDS = 3600
DEFAULT_NOTIFICATION_THRESHOLD_DAYS = 45
NOTIFICATION_EVENTS = ("CA_CERTIFICATE_EXPIRY", "END_ENTITY_CERTIFICATE_EXPIRY")
MAX_TAGS_PER_RESOURCE = 200


@dataclass(frozen=True)
class ResourceKind:
    """How one resource type is stored and named."""

    arn_type: str  # in its ARN: trust-anchor/ID
    table: str  # the Store attribute holding the resources by id
    id_key: str
    arn_key: str
    label: str  # in messages: "Trust anchor ID not found"


TRUST_ANCHOR = ResourceKind("trust-anchor", "trust_anchors", "trustAnchorId", "trustAnchorArn", "Trust anchor")
PROFILE = ResourceKind("profile", "profiles", "profileId", "profileArn", "Profile")
CRL = ResourceKind("crl", "crls", "crlId", "crlArn", "CRL")
SUBJECT = ResourceKind("subject", "subjects", "subjectId", "subjectArn", "Subject")
TAGGABLE_KINDS = (TRUST_ANCHOR, PROFILE, CRL)


def default_notification_settings() -> list[dict]:
    return [default_notification_setting(event) for event in NOTIFICATION_EVENTS]


def default_notification_setting(event: str, channel: str = "ALL") -> dict:
    return {
        "enabled": True,
        "event": event,
        "threshold": DEFAULT_NOTIFICATION_THRESHOLD_DAYS,
        "channel": channel,
        "configuredBy": SERVICE_PRINCIPAL,
    }


def default_attribute_mappings() -> list[dict]:
    return [
        {"certificateField": "x509Subject", "mappingRules": [{"specifier": "*"}]},
        {"certificateField": "x509Issuer", "mappingRules": [{"specifier": "*"}]},
        {
            "certificateField": "x509SAN",
            "mappingRules": [{"specifier": "DNS"}, {"specifier": "URI"}, {"specifier": "Name/*"}],
        },
    ]


class Caller:
    """Who makes a control-plane call: `arn` of the IAM identity and a check for dependent actions (iam:PassRole)."""

    def __init__(self, arn: str, account_id: str, authorize: Callable[[str, str, dict], None] | None = None):
        self.arn = arn
        self.account_id = account_id
        self._authorize = authorize

    def authorize(self, action: str, resource: str, condition_values: dict | None = None) -> None:
        """Raise AccessDeniedException unless the caller may perform `action` on `resource` (no-op when not enforced)."""
        if self._authorize is not None:
            self._authorize(action, resource, condition_values or {})


class ControlPlane:
    """Operation handlers. `handle` dispatches by operation name to the method of the same name in snake case."""

    def __init__(self, store: Store, acm_pca_lookup: Callable[[str], bool] | None = None):
        self.store = store
        # Returns True when an ACM PCA certificate authority ARN exists (moto's ACM-PCA backend in the server).
        self.acm_pca_lookup = acm_pca_lookup

    def handle(self, operation_name: str, params: dict, caller: Caller) -> dict:
        handler = getattr(self, handler_name(operation_name))
        with self.store.lock:
            return handler(params, caller)

    # ---- helpers ------------------------------------------------------------------------------------------------

    def _table(self, kind):
        return getattr(self.store, kind.table)

    def _find(self, kind, identifier):
        table = self._table(kind)
        if identifier in table:
            return table[identifier]
        for item in table.values():
            if identifier in (item.get(kind.arn_key), item.get("aliasArn")):
                return item
        raise not_found(f"{kind.label} {identifier} not found")

    def _find_taggable(self, arn):
        for kind in TAGGABLE_KINDS:
            for item in self._table(kind).values():
                if item[kind.arn_key] == arn:
                    return item
        raise not_found(f"Resource {arn} not found")

    def _check_tagging_on_create(self, kind, params, caller):
        # Tags given to CreateTrustAnchor or CreateProfile also need rolesanywhere:TagResource (service authorization
        # reference, API operations table); the new resource's id is not known to any policy, hence the type's ARN.
        if params.get("tags"):
            caller.authorize("rolesanywhere:TagResource", self.store.arn(kind.arn_type, "*"))

    def _new_resource(self, kind, params, extra):
        resource_id = str(uuid.uuid4())
        now = self.store.now()
        item = {
            kind.id_key: resource_id,
            kind.arn_key: self.store.arn(kind.arn_type, resource_id),
            "createdAt": now,
            "updatedAt": now,
        }
        item.update(extra)
        # Everything that can fail is checked before the resource is stored, so a refused create leaves no trace.
        tags = self._merged_tags([], params.get("tags") or [])
        self._set_alias(kind, item, params.get("aliasName"))
        self._table(kind)[resource_id] = item
        self.store.tags[item[kind.arn_key]] = tags
        return item

    def _touch(self, item):
        item["updatedAt"] = self.store.now()

    def _delete(self, kind, identifier):
        item = self._find(kind, identifier)
        del self._table(kind)[item[kind.id_key]]
        self.store.tags.pop(item[kind.arn_key], None)
        return item

    def _set_enabled(self, kind, identifier, enabled):
        item = self._find(kind, identifier)
        self._touch(item)
        item["enabled"] = enabled
        return item

    def _check_alias(self, kind, item, alias_name):
        """Raise ValidationException when `alias_name` is reserved or held by another resource of the kind."""
        if not alias_name:
            return
        if alias_name.lower().startswith("aws/"):
            raise validation_error(f"Alias name {alias_name} is reserved: names starting with aws/ belong to AWS")
        for other in self._table(kind).values():
            if other is not item and other.get("aliasName") == alias_name:
                raise validation_error(f"Alias name {alias_name} is already used by {other[kind.arn_key]}")

    def _set_alias(self, kind, item, alias_name):
        """Apply an aliasName parameter: None keeps the alias, "" removes it, anything else sets it.

        Returns the alias the resource had before when this changed or removed it (the update's previousAliasName).
        """
        previous = item.get("aliasName")
        if alias_name is None or alias_name == (previous or ""):
            return None
        self._check_alias(kind, item, alias_name)
        if alias_name:
            item["aliasName"] = alias_name
            item["aliasArn"] = self.store.alias_arn(kind.arn_type, alias_name)
        else:
            item.pop("aliasName", None)
            item.pop("aliasArn", None)
        return previous

    @staticmethod
    def _merged_tags(current_tags, new_tags):
        """`current_tags` with `new_tags` added or overwritten, or the error the service gives for them."""
        for tag in new_tags:
            if tag["key"].lower().startswith("aws:"):
                raise validation_error(f"Tag key {tag['key']} is reserved: keys starting with aws: belong to AWS")
        merged = {tag["key"]: tag["value"] for tag in current_tags}
        merged.update((tag["key"], tag["value"]) for tag in new_tags)
        if len(merged) > MAX_TAGS_PER_RESOURCE:
            raise ServiceError(
                "TooManyTagsException",
                f"A resource can have at most {MAX_TAGS_PER_RESOURCE} tags; this request would leave {len(merged)}",
                400,
            )
        return [{"key": key, "value": value} for key, value in merged.items()]

    def _page(self, items, params):
        page_size = params.get("pageSize", DEFAULT_PAGE_SIZE)
        if page_size < 1:
            raise validation_error(
                f"Value '{page_size}' at 'pageSize' failed to satisfy constraint: Member must have value "
                "greater than or equal to 1"
            )
        start = _decode_next_token(params.get("nextToken"))
        page = items[start : start + page_size]
        next_token = None
        if start + page_size < len(items):
            next_token = _encode_next_token(start + page_size)
        return page, next_token

    def _list(self, kind, params, result_key):
        items = sorted(self._table(kind).values(), key=lambda item: (item["createdAt"], item[kind.id_key]))
        page, next_token = self._page(items, params)
        result = {result_key: page}
        if next_token:
            result["nextToken"] = next_token
        return result

    # ---- trust anchors ------------------------------------------------------------------------------------------

    def _check_source(self, source):
        source_type = source.get("sourceType")
        data = source.get("sourceData") or {}
        if source_type is None:
            raise validation_error("source.sourceType is required: CERTIFICATE_BUNDLE or AWS_ACM_PCA")
        if source_type == "CERTIFICATE_BUNDLE":
            pem = data.get("x509CertificateData")
            if pem is None:
                raise validation_error(
                    "source.sourceData.x509CertificateData is required for sourceType CERTIFICATE_BUNDLE"
                )
            try:
                x509.load_pem_x509_certificates(pem.encode("utf-8"))
            except ValueError as exc:
                raise validation_error(
                    f"source.sourceData.x509CertificateData is not a PEM certificate bundle: {exc}"
                ) from None
        elif source_type == "AWS_ACM_PCA":
            arn = data.get("acmPcaArn")
            if arn is None:
                raise validation_error("source.sourceData.acmPcaArn is required for sourceType AWS_ACM_PCA")
            if self.acm_pca_lookup is not None and not self.acm_pca_lookup(arn):
                raise validation_error(f"source.sourceData.acmPcaArn {arn} is not an ACM Private CA in this account")
        else:
            raise validation_error(
                f"Trust anchor source type {source_type} is not supported; use CERTIFICATE_BUNDLE or AWS_ACM_PCA"
            )

    @staticmethod
    def _notification_settings(current, settings, configured_by):
        """`current` (a list of NotificationSettingDetail) with `settings` applied; raises before changing anything."""
        result = [dict(setting) for setting in current]
        for setting in settings:
            channel = setting.get("channel", "ALL")
            existing = _find_setting(result, setting["event"], channel)
            threshold = setting.get("threshold")
            if threshold is None:
                if setting["enabled"]:
                    raise validation_error(
                        f"notificationSettings: threshold is required for the enabled event {setting['event']}"
                    )
                threshold = existing["threshold"] if existing else DEFAULT_NOTIFICATION_THRESHOLD_DAYS
            updated = {
                "enabled": setting["enabled"],
                "event": setting["event"],
                "threshold": threshold,
                "channel": channel,
                "configuredBy": configured_by,
            }
            if existing:
                result[result.index(existing)] = updated
            else:
                result.append(updated)
        return result

    def create_trust_anchor(self, params: dict, caller: Caller) -> dict:
        self._check_source(params["source"])
        self._check_tagging_on_create(TRUST_ANCHOR, params, caller)
        extra = {
            "name": params["name"],
            "source": params["source"],
            "enabled": params.get("enabled", False),
            "notificationSettings": self._notification_settings(
                default_notification_settings(), params.get("notificationSettings", []), caller.account_id
            ),
        }
        if params.get("crlDpRevocationEnabled") is not None:
            extra["crlDpRevocationEnabled"] = params["crlDpRevocationEnabled"]
        return {"trustAnchor": self._new_resource(TRUST_ANCHOR, params, extra)}

    def get_trust_anchor(self, params: dict, caller: Caller) -> dict:
        return {"trustAnchor": self._find(TRUST_ANCHOR, params["trustAnchorId"])}

    def list_trust_anchors(self, params: dict, caller: Caller) -> dict:
        return self._list(TRUST_ANCHOR, params, "trustAnchors")

    def update_trust_anchor(self, params: dict, caller: Caller) -> dict:
        anchor = self._find(TRUST_ANCHOR, params["trustAnchorId"])
        if "source" in params:
            self._check_source(params["source"])
        self._check_alias(TRUST_ANCHOR, anchor, params.get("aliasName"))
        self._touch(anchor)
        for member in ("name", "source", "crlDpRevocationEnabled"):
            if member in params:
                anchor[member] = params[member]
        previous_alias = self._set_alias(TRUST_ANCHOR, anchor, params.get("aliasName"))
        return {"trustAnchor": _with_previous_alias(anchor, previous_alias)}

    def delete_trust_anchor(self, params: dict, caller: Caller) -> dict:
        return {"trustAnchor": self._delete(TRUST_ANCHOR, params["trustAnchorId"])}

    def enable_trust_anchor(self, params: dict, caller: Caller) -> dict:
        return {"trustAnchor": self._set_enabled(TRUST_ANCHOR, params["trustAnchorId"], True)}

    def disable_trust_anchor(self, params: dict, caller: Caller) -> dict:
        return {"trustAnchor": self._set_enabled(TRUST_ANCHOR, params["trustAnchorId"], False)}

    def put_notification_settings(self, params: dict, caller: Caller) -> dict:
        anchor = self._find(TRUST_ANCHOR, params["trustAnchorId"])
        settings = self._notification_settings(
            anchor["notificationSettings"], params["notificationSettings"], caller.account_id
        )
        self._touch(anchor)
        anchor["notificationSettings"] = settings
        return {"trustAnchor": anchor}

    def reset_notification_settings(self, params: dict, caller: Caller) -> dict:
        anchor = self._find(TRUST_ANCHOR, params["trustAnchorId"])
        self._touch(anchor)
        current = anchor["notificationSettings"]
        for key in params["notificationSettingKeys"]:
            channel = key.get("channel", "ALL")
            existing = _find_setting(current, key["event"], channel)
            default = default_notification_setting(key["event"], channel)
            if existing:
                current[current.index(existing)] = default
            else:
                current.append(default)
        return {"trustAnchor": anchor}

    # ---- profiles -----------------------------------------------------------------------------------------------

    def _check_profile_input(self, params, caller):
        policy = params.get("sessionPolicy")
        if policy is not None:
            try:
                document = json.loads(policy)
            except ValueError:
                document = None
            if not isinstance(document, dict) or "Statement" not in document:
                raise validation_error("sessionPolicy must be an IAM policy document (a JSON object with a Statement)")
        for role_arn in params.get("roleArns") or []:
            # The service needs the caller's permission to pass each role to it, as for any service role.
            caller.authorize("iam:PassRole", role_arn, {"iam:PassedToService": SERVICE_PRINCIPAL})

    def create_profile(self, params: dict, caller: Caller) -> dict:
        self._check_profile_input(params, caller)
        self._check_tagging_on_create(PROFILE, params, caller)
        extra = {
            "name": params["name"],
            "enabled": params.get("enabled", False),
            "createdBy": caller.arn,
            "roleArns": params["roleArns"],
            "managedPolicyArns": params.get("managedPolicyArns", []),
            "durationSeconds": params.get("durationSeconds", DEFAULT_DURATION_SECONDS),
            "acceptRoleSessionName": params.get("acceptRoleSessionName", False),
            "requireInstanceProperties": params.get("requireInstanceProperties", False),
            "attributeMappings": default_attribute_mappings(),
        }
        if params.get("sessionPolicy") is not None:
            extra["sessionPolicy"] = params["sessionPolicy"]
        return {"profile": self._new_resource(PROFILE, params, extra)}

    def get_profile(self, params: dict, caller: Caller) -> dict:
        return {"profile": self._find(PROFILE, params["profileId"])}

    def list_profiles(self, params: dict, caller: Caller) -> dict:
        return self._list(PROFILE, params, "profiles")

    def update_profile(self, params: dict, caller: Caller) -> dict:
        profile = self._find(PROFILE, params["profileId"])
        self._check_profile_input(params, caller)
        self._check_alias(PROFILE, profile, params.get("aliasName"))
        self._touch(profile)
        for member in (
            "name",
            "sessionPolicy",
            "roleArns",
            "managedPolicyArns",
            "durationSeconds",
            "acceptRoleSessionName",
        ):
            if member in params:
                profile[member] = params[member]
        previous_alias = self._set_alias(PROFILE, profile, params.get("aliasName"))
        return {"profile": _with_previous_alias(profile, previous_alias)}

    def delete_profile(self, params: dict, caller: Caller) -> dict:
        return {"profile": self._delete(PROFILE, params["profileId"])}

    def enable_profile(self, params: dict, caller: Caller) -> dict:
        return {"profile": self._set_enabled(PROFILE, params["profileId"], True)}

    def disable_profile(self, params: dict, caller: Caller) -> dict:
        return {"profile": self._set_enabled(PROFILE, params["profileId"], False)}

    def put_attribute_mapping(self, params: dict, caller: Caller) -> dict:
        profile = self._find(PROFILE, params["profileId"])
        self._touch(profile)
        field = params["certificateField"]
        mapping = {
            "certificateField": field,
            "mappingRules": [{"specifier": rule["specifier"]} for rule in params["mappingRules"]],
        }
        mappings = profile["attributeMappings"]
        existing = [index for index, item in enumerate(mappings) if item["certificateField"] == field]
        if existing:
            mappings[existing[0]] = mapping
        else:
            mappings.append(mapping)
        return {"profile": profile}

    def delete_attribute_mapping(self, params: dict, caller: Caller) -> dict:
        profile = self._find(PROFILE, params["profileId"])
        self._touch(profile)
        field = params["certificateField"]
        specifiers = params.get("specifiers")
        kept = []
        for mapping in profile["attributeMappings"]:
            if mapping["certificateField"] != field:
                kept.append(mapping)
            elif specifiers:
                rules = [rule for rule in mapping["mappingRules"] if rule["specifier"] not in specifiers]
                if rules:
                    kept.append({"certificateField": field, "mappingRules": rules})
        profile["attributeMappings"] = kept
        return {"profile": profile}

    # ---- CRLs ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _check_crl_data(crl_data):
        try:
            x509.load_pem_x509_crl(crl_data)
        except ValueError as exc:
            raise validation_error(f"crlData is not a PEM-encoded X.509 CRL: {exc}") from None

    def import_crl(self, params: dict, caller: Caller) -> dict:
        anchor_arn = params["trustAnchorArn"]
        # Only the ARN holding the trust anchor id is accepted here, not an alias ARN.
        if not any(anchor["trustAnchorArn"] == anchor_arn for anchor in self.store.trust_anchors.values()):
            raise not_found(f"Trust anchor {anchor_arn} not found")
        self._check_crl_data(params["crlData"])
        crl = self._new_resource(
            CRL,
            params,
            {
                "name": params["name"],
                "enabled": params.get("enabled", False),
                "crlData": params["crlData"],
                "trustAnchorArn": anchor_arn,
            },
        )
        return {"crl": crl}

    def get_crl(self, params: dict, caller: Caller) -> dict:
        return {"crl": self._find(CRL, params["crlId"])}

    def list_crls(self, params: dict, caller: Caller) -> dict:
        return self._list(CRL, params, "crls")

    def update_crl(self, params: dict, caller: Caller) -> dict:
        crl = self._find(CRL, params["crlId"])
        if "crlData" in params:
            self._check_crl_data(params["crlData"])
        self._check_alias(CRL, crl, params.get("aliasName"))
        self._touch(crl)
        for member in ("name", "crlData"):
            if member in params:
                crl[member] = params[member]
        previous_alias = self._set_alias(CRL, crl, params.get("aliasName"))
        return {"crl": _with_previous_alias(crl, previous_alias)}

    def delete_crl(self, params: dict, caller: Caller) -> dict:
        return {"crl": self._delete(CRL, params["crlId"])}

    def enable_crl(self, params: dict, caller: Caller) -> dict:
        return {"crl": self._set_enabled(CRL, params["crlId"], True)}

    def disable_crl(self, params: dict, caller: Caller) -> dict:
        return {"crl": self._set_enabled(CRL, params["crlId"], False)}

    # ---- subjects -----------------------------------------------------------------------------------------------

    def get_subject(self, params: dict, caller: Caller) -> dict:
        return {"subject": self._find(SUBJECT, params["subjectId"])}

    def list_subjects(self, params: dict, caller: Caller) -> dict:
        return self._list(SUBJECT, params, "subjects")

    # ---- tags ---------------------------------------------------------------------------------------------------

    def tag_resource(self, params: dict, caller: Caller) -> dict:
        arn = params["resourceArn"]
        self._find_taggable(arn)
        self.store.tags[arn] = self._merged_tags(self.store.tags.get(arn, []), params["tags"])
        return {}

    def untag_resource(self, params: dict, caller: Caller) -> dict:
        arn = params["resourceArn"]
        self._find_taggable(arn)
        removed = set(params["tagKeys"])
        self.store.tags[arn] = [tag for tag in self.store.tags.get(arn, []) if tag["key"] not in removed]
        return {}

    def list_tags_for_resource(self, params: dict, caller: Caller) -> dict:
        arn = params["resourceArn"]
        self._find_taggable(arn)
        return {"tags": list(self.store.tags.get(arn, []))}


def resource_for_authorization(store: Store, params: dict) -> str:
    """The resource ARN an IAM policy is matched against for a Roles Anywhere operation with `params`.

    Operations on one resource use its ARN, whichever identifier (id, ARN, alias ARN) the request used, because
    policies name resources by the ARN holding the id; creations and list operations have no resource-level
    permissions and use `*`, as in the service authorization reference.
    """
    for kind in (TRUST_ANCHOR, PROFILE, CRL, SUBJECT):
        identifier = params.get(kind.id_key)
        if identifier:
            return _resource_arn(store, kind, identifier)
    if params.get("resourceArn"):
        return params["resourceArn"]
    # Creations (CreateTrustAnchor, CreateProfile, ImportCrl) have no resource type either: "*" as for lists, so a
    # policy that names only trust-anchor/* ARNs does not allow them, as on AWS.
    return "*"


def _resource_arn(store, kind, identifier):
    with store.lock:
        for item in getattr(store, kind.table).values():
            if identifier in (item[kind.id_key], item[kind.arn_key], item.get("aliasArn")):
                return item[kind.arn_key]
    # An unknown resource: authorize against the ARN the identifier names, then let the handler report it missing.
    return identifier if identifier.startswith("arn:") else store.arn(kind.arn_type, identifier)


def _with_previous_alias(item, previous_alias):
    # previousAliasName belongs to the update's response only, never to the stored resource.
    if previous_alias is None:
        return item
    return dict(item, previousAliasName=previous_alias)


def _find_setting(settings, event, channel):
    for setting in settings:
        if setting["event"] == event and setting.get("channel", "ALL") == channel:
            return setting
    return None


def _encode_next_token(offset):
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode("ascii")).decode("ascii")


def _decode_next_token(token):
    if token is None:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeEncodeError):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise validation_error(f"nextToken {token} is not a token this service returned")
    return offset


def handler_name(name: str) -> str:
    """The ControlPlane method serving an operation: CreateTrustAnchor -> create_trust_anchor."""
    result = ""
    for index, char in enumerate(name):
        if char.isupper() and index:
            result += "_"
        result += char.lower()
    return result
