# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate revocation lists imported into Roles Anywhere.

The service checks revocation only against CRLs imported here (no CDP or OCSP), so a CRL that does not parse, or is
signed by a CA the trust anchor does not hold, silently revokes nothing. Both are checked before ImportCrl/UpdateCrl.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from copy import deepcopy

try:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
except ImportError:
    x509 = Encoding = None  # pki.HAS_CRYPTOGRAPHY tells the user

from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    CRL,
    TRUST_ANCHOR,
    RolesAnywhereError,
    apply_update,
    call,
    ensure_enabled,
    ensure_tags,
    get_resource,
    normalize_resource,
    resource_id_from,
)

MAX_CRL_BYTES = 300000


def validate_crl_params(params):
    """Parse the CRL before anything else; the signature check needs the trust anchor and comes later."""
    if params.get("crl") is None:
        return None
    if not pki.HAS_CRYPTOGRAPHY:
        return "the python 'cryptography' library is required on the controller to validate crl"
    if len(to_bytes(params["crl"])) > MAX_CRL_BYTES:
        return f"crl is larger than {MAX_CRL_BYTES} bytes, the most the service accepts; split the CRL or drop expired entries"
    try:
        pki.load_crl(params["crl"], field="crl")
    except pki.CertificateRuleError as error:
        return str(error)
    return None


def crl_identity(data):
    """The DER bytes of a CRL given as PEM/DER bytes or text, so re-encoded PEM is not a change."""
    raw = to_bytes(data or b"")
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(raw.strip()).public_bytes(Encoding.DER)
        return x509.load_der_x509_crl(raw).public_bytes(Encoding.DER)
    except (ValueError, TypeError, AttributeError):
        return raw.strip()


def fetch_trust_anchor(client, identifier):
    """The trust anchor a CRL belongs to; fails naming trust_anchor_arn when it does not exist."""
    anchor = get_resource(client, TRUST_ANCHOR, resource_id_from(identifier, TRUST_ANCHOR))
    if anchor is None:
        raise RolesAnywhereError(
            message=f"trust_anchor_arn '{identifier}' names no trust anchor in this account and region; "
            "create the trust anchor first (hybridcloud.rolesanywhere.trust_anchor)"
        )
    return anchor


def check_crl_signed_by_anchor(crl_pem, anchor):
    """When the anchor is a certificate bundle, the CRL must be signed by one of its CAs."""
    source = anchor.get("source") or {}
    if source.get("sourceType") != "CERTIFICATE_BUNDLE":
        # An ACM PCA anchor's CA certificate lives in ACM PCA; the service itself checks those CRLs.
        return
    try:
        ca_certs = pki.load_certificates(source["sourceData"]["x509CertificateData"], field="trust anchor bundle")
        pki.verify_crl_issued_by(pki.load_crl(crl_pem, field="crl"), ca_certs)
    except pki.CertificateRuleError as error:
        raise RolesAnywhereError(message=f"crl does not belong to trust anchor '{anchor.get('name')}': {error}")


def _create(client, params, anchor, check_mode):
    missing = [option for option in ("crl", "trust_anchor_arn") if not params.get(option)]
    if missing:
        raise RolesAnywhereError(
            message=f"CRL '{params['name']}' does not exist yet; {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} required to import it"
        )
    tags = dict((key, str(value)) for key, value in (params.get("tags") or {}).items())
    request = {
        "name": params["name"],
        "crlData": to_bytes(params["crl"]),
        "trustAnchorArn": anchor["trustAnchorArn"],
        "enabled": params.get("enabled") is not False,
    }
    if tags:
        request["tags"] = ansible_dict_to_boto3_tag_list(tags, "key", "value")
    if check_mode:
        predicted = deepcopy(request)
        predicted["tags"] = tags
        predicted["crlId"] = None
        return predicted
    created = call(client, "import_crl", **request)["crl"]
    created["tags"] = tags
    return created


def _ensure_name_and_data(client, current, params, check_mode):
    updates = {}
    if params.get("name") and params["name"] != current.get("name"):
        updates["name"] = params["name"]
    if params.get("crl") is not None and crl_identity(params["crl"]) != crl_identity(current.get("crlData")):
        updates["crlData"] = to_bytes(params["crl"])
    return apply_update(client, CRL, current, updates, check_mode)


def ensure_crl_present(client, current, params, check_mode):
    """Returns (changed, raw CRL as it is, or would be, afterwards)."""
    anchor_ref = params.get("trust_anchor_arn") or (current or {}).get("trustAnchorArn")
    anchor = fetch_trust_anchor(client, anchor_ref) if anchor_ref else None
    if current is not None and anchor is not None and anchor["trustAnchorArn"] != current.get("trustAnchorArn"):
        raise RolesAnywhereError(
            message=f"CRL '{current.get('name')}' belongs to trust anchor {current.get('trustAnchorArn')}, and a CRL cannot move "
            "to another trust anchor; delete it (state=absent) and import it again with the new trust_anchor_arn"
        )
    if params.get("crl") is not None and anchor is not None:
        check_crl_signed_by_anchor(params["crl"], anchor)
    if current is None:
        return True, _create(client, params, anchor or {}, check_mode)
    changed, resource = _ensure_name_and_data(client, current, params, check_mode)
    step_changed, resource = ensure_enabled(client, CRL, resource, params.get("enabled"), check_mode)
    changed |= step_changed
    step_changed, resource = ensure_tags(
        client, CRL, resource, params.get("tags"), params.get("purge_tags"), check_mode
    )
    return changed or step_changed, resource


def normalize_crl(resource):
    if resource is None:
        return None
    prepared = dict(resource)
    prepared["crlData"] = to_text(resource.get("crlData") or b"")
    return normalize_resource(prepared, keep_as_is=("crlData",))
