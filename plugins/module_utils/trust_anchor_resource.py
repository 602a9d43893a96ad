# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Trust anchors: validate the source before any call, then create or reconcile name, source, enabled state,
notification settings and tags."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from copy import deepcopy

try:
    from cryptography.hazmat.primitives.serialization import Encoding
except ImportError:
    Encoding = None  # validate_source reports the missing library before this is needed

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import ca_custody, pki
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import notification_settings as notifications
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    TRUST_ANCHOR,
    RolesAnywhereError,
    apply_update,
    call,
    ensure_enabled,
    ensure_tags,
    normalize_resource,
)

BUNDLE = "CERTIFICATE_BUNDLE"
ACM_PCA = "AWS_ACM_PCA"
MAX_BUNDLE_CHARS = 204800
ACM_PCA_ARN_PREFIX = "arn:aws"


def validate_source(params, now=None):
    """Check the requested source against the certificate rules; return an error message or None.

    Runs before any API call, so a bad bundle fails with the rule it broke instead of a ValidationException.
    """
    bundle = params.get("certificate_bundle")
    if bundle is not None:
        if len(bundle) > MAX_BUNDLE_CHARS:
            return f"certificate_bundle is {len(bundle)} characters; the service accepts at most {MAX_BUNDLE_CHARS}"
        if not pki.HAS_CRYPTOGRAPHY:
            return "the python 'cryptography' library is required on the controller to validate certificate_bundle"
        try:
            for cert in pki.load_certificates(bundle, field="certificate_bundle"):
                pki.validate_ca_certificate(cert, now=now)
        except pki.CertificateRuleError as error:
            return f"certificate_bundle: {error}"
    arn = params.get("acm_pca_arn")
    if arn is not None and (
        not arn.startswith(ACM_PCA_ARN_PREFIX) or ":acm-pca:" not in arn or ":certificate-authority/" not in arn
    ):
        return (
            f"acm_pca_arn '{arn}' is not an ACM Private CA ARN "
            "(expected arn:aws:acm-pca:REGION:ACCOUNT:certificate-authority/ID)"
        )
    return None


def desired_source(params):
    if params.get("certificate_bundle") is not None:
        return {"sourceType": BUNDLE, "sourceData": {"x509CertificateData": params["certificate_bundle"]}}
    if params.get("acm_pca_arn") is not None:
        return {"sourceType": ACM_PCA, "sourceData": {"acmPcaArn": params["acm_pca_arn"]}}
    return None


def _bundle_identity(pem_text):
    """The DER bytes of each certificate, so whitespace or line-wrapping differences are not a change."""
    try:
        return [cert.public_bytes(Encoding.DER) for cert in pki.load_certificates(pem_text)]
    except (pki.CertificateRuleError, ValueError, TypeError, AttributeError):
        return [pem_text.strip()]


def source_differs(current, desired):
    if desired is None:
        return False
    current = current or {}
    if current.get("sourceType") != desired["sourceType"]:
        return True
    current_data = current.get("sourceData") or {}
    if desired["sourceType"] == BUNDLE:
        return _bundle_identity(current_data.get("x509CertificateData") or "") != _bundle_identity(
            desired["sourceData"]["x509CertificateData"]
        )
    return current_data.get("acmPcaArn") != desired["sourceData"]["acmPcaArn"]


def _desired_notification_settings(params):
    settings = params.get("notification_settings")
    if settings is None:
        return None
    return [dict((key, value) for key, value in setting.items() if value is not None) for setting in settings]


def create_trust_anchor(client, params, check_mode):
    if desired_source(params) is None:
        raise RolesAnywhereError(
            message=f"trust anchor '{params['name']}' does not exist yet; to create it, give its source: "
            "certificate_bundle (PEM of the CA) or acm_pca_arn"
        )
    request = {"name": params["name"], "source": desired_source(params), "enabled": params["enabled"] is not False}
    settings = _desired_notification_settings(params)
    if settings:
        request["notificationSettings"] = [
            notifications.as_api_setting(setting, notifications.DEFAULT_THRESHOLD_DAYS) for setting in settings
        ]
    if params.get("tags"):
        request["tags"] = ansible_dict_to_boto3_tag_list(params["tags"], "key", "value")
    if check_mode:
        predicted = deepcopy(request)
        predicted["tags"] = dict((key, str(value)) for key, value in (params.get("tags") or {}).items())
        predicted["notificationSettings"] = notifications.plan_notification_settings(
            notifications.default_settings(), settings, False
        )[2]
        return predicted
    created = call(client, "create_trust_anchor", **request)["trustAnchor"]
    created["tags"] = dict((key, str(value)) for key, value in (params.get("tags") or {}).items())
    return created


def _ensure_name_and_source(client, current, params, check_mode):
    updates = {}
    if params.get("name") and params["name"] != current.get("name"):
        updates["name"] = params["name"]
    source = desired_source(params)
    if source_differs(current.get("source"), source):
        updates["source"] = source
    return apply_update(client, TRUST_ANCHOR, current, updates, check_mode)


def _ensure_notification_settings(client, current, params, check_mode):
    to_put, to_reset, expected = notifications.plan_notification_settings(
        current.get("notificationSettings"),
        _desired_notification_settings(params),
        params.get("purge_notification_settings"),
    )
    if not to_put and not to_reset:
        return False, current
    updated = deepcopy(current)
    updated["notificationSettings"] = expected
    if not check_mode:
        anchor_id = current["trustAnchorId"]
        if to_reset:
            updated.update(
                call(client, "reset_notification_settings", trustAnchorId=anchor_id, notificationSettingKeys=to_reset)[
                    "trustAnchor"
                ]
            )
        if to_put:
            updated.update(
                call(client, "put_notification_settings", trustAnchorId=anchor_id, notificationSettings=to_put)[
                    "trustAnchor"
                ]
            )
    return True, updated


def _with_appended_bundle(current, params):
    """The current bundle plus the given certificates it lacks: the first step of a CA rotation with overlap."""
    source = current.get("source") or {}
    if source.get("sourceType") != BUNDLE:
        return params
    merged = dict(params)
    merged["certificate_bundle"] = ca_custody.union_bundle(
        source.get("sourceData", {}).get("x509CertificateData"), params["certificate_bundle"]
    )
    return merged


def check_custody(current, params):
    """Refuse, before any call, a source change that would drop a CA (or a Private CA) the anchor trusts today."""
    desired = desired_source(params)
    if desired is None or params.get("replace") or not source_differs(current.get("source"), desired):
        return
    source = current.get("source") or {}
    name = current.get("name")
    if source.get("sourceType") != desired["sourceType"]:
        raise RolesAnywhereError(
            message=f"trust anchor '{name}' trusts a {source.get('sourceType')} source and this would switch it to "
            f"{desired['sourceType']}; every host certificate issued under the current source would be refused. "
            + ca_custody.WAYS_FORWARD
        )
    if desired["sourceType"] == ACM_PCA:
        raise RolesAnywhereError(
            message=f"trust anchor '{name}' trusts the Private CA {source.get('sourceData', {}).get('acmPcaArn')}, not "
            f"{desired['sourceData']['acmPcaArn']}; set replace: true to switch Private CAs on purpose"
        )
    try:
        ca_custody.check_bundle_keeps_trust(
            name,
            source.get("sourceData", {}).get("x509CertificateData"),
            desired["sourceData"]["x509CertificateData"],
            False,
        )
    except pki.CertificateRuleError as error:
        raise RolesAnywhereError(message=str(error))


def ensure_trust_anchor_present(client, current, params, check_mode):
    """Returns (changed, raw trust anchor as it is, or would be, afterwards)."""
    if current is None:
        return True, create_trust_anchor(client, params, check_mode)
    if params.get("append") and params.get("certificate_bundle") is not None:
        params = _with_appended_bundle(current, params)
    check_custody(current, params)
    changed = False
    resource = current
    for step in (_ensure_name_and_source, _ensure_notification_settings):
        step_changed, resource = step(client, resource, params, check_mode)
        changed |= step_changed
    step_changed, resource = ensure_enabled(client, TRUST_ANCHOR, resource, params.get("enabled"), check_mode)
    changed |= step_changed
    step_changed, resource = ensure_tags(
        client, TRUST_ANCHOR, resource, params.get("tags"), params.get("purge_tags"), check_mode
    )
    return changed or step_changed, resource


def validate_trust_anchor_params(params):
    """Validation that needs no API call."""
    return validate_source(params) or notifications.validate_notification_settings(params.get("notification_settings"))


def normalize_trust_anchor(resource):
    return normalize_resource(resource)
