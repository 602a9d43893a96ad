# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The refine_verify_result filter; its documentation is in refine_verify_result.yml next to this file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import diagnosis


def _anchor_ca_subjects(trust_anchors):
    """Subjects of the CA certificates of a certificate-bundle trust anchor; None when they cannot be known here."""
    if not trust_anchors:
        return None
    # Imported on use: every template that names one of the collection's filters loads this file in each host's
    # worker, and the certificate code is needed only for a host whose trust anchor was looked up.
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki

    source = trust_anchors[0].get("source") or {}
    bundle = (source.get("source_data") or {}).get("x509_certificate_data")
    if source.get("source_type") != "CERTIFICATE_BUNDLE" or not bundle or not pki.HAS_CRYPTOGRAPHY:
        return None
    try:
        return [cert.subject.rfc4514_string() for cert in pki.load_certificates(bundle)]
    except pki.CertificateRuleError:
        return None


def refine_verify_result(result, trust_anchors=None):
    if not isinstance(result, dict):
        raise AnsibleFilterError(
            "hybridcloud.rolesanywhere.refine_verify_result: the input must be the result of verify_access, "
            "got %s" % type(result).__name__
        )
    if trust_anchors is not None and not isinstance(trust_anchors, list):
        raise AnsibleFilterError(
            "hybridcloud.rolesanywhere.refine_verify_result: trust_anchors must be the trust_anchors list "
            "of trust_anchor_info, got %s" % type(trust_anchors).__name__
        )
    return diagnosis.refine_with_trust_anchor(result, trust_anchors, _anchor_ca_subjects(trust_anchors))


class FilterModule(object):
    def filters(self):
        return {"refine_verify_result": refine_verify_result}
