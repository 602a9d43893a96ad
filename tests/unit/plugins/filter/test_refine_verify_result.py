"""The refine_verify_result filter: the trust anchor's CA bundle is read to name the CA it holds."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.hybridcloud.rolesanywhere.plugins.filter.refine_verify_result import refine_verify_result
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import diagnosis
from support import x509 as t

UNTRUSTED = {
    "ok": False,
    "trust_anchor_arn": "arn:aws:rolesanywhere:us-east-1:1:trust-anchor/a",
    "certificate": {"issuer": "CN=Issuing CA"},
    "diagnosis": diagnosis.make("certificate_untrusted"),
}


def anchor(pem, enabled=True):
    return {
        "enabled": enabled,
        "source": {"source_type": "CERTIFICATE_BUNDLE", "source_data": {"x509_certificate_data": pem}},
    }


def test_bundle_holding_another_ca_is_named():
    refined = refine_verify_result(UNTRUSTED, [anchor(t.pem(t.ca_certificate(cn="Corp Root")))])
    assert refined["diagnosis"]["code"] == "certificate_from_other_ca"
    assert "CN=Corp Root" in refined["diagnosis"]["message"]


def test_bundle_holding_the_issuer_keeps_the_diagnosis():
    assert (
        refine_verify_result(UNTRUSTED, [anchor(t.pem(t.ca_certificate(cn="Issuing CA")))])["diagnosis"]["code"]
        == "certificate_untrusted"
    )


def test_acm_pca_anchor_is_only_checked_for_being_enabled():
    pca = {
        "enabled": False,
        "source": {"source_type": "AWS_ACM_PCA", "source_data": {"acm_pca_arn": "arn:aws:acm-pca:x"}},
    }
    assert refine_verify_result(UNTRUSTED, [pca])["diagnosis"]["code"] == "trust_anchor_disabled"


def test_unknown_trust_anchor_state_changes_nothing():
    assert refine_verify_result(UNTRUSTED) is UNTRUSTED


@pytest.mark.parametrize("args", [("not a result",), (UNTRUSTED, "not a list")])
def test_wrong_input_is_a_filter_error(args):
    with pytest.raises(AnsibleFilterError):
        refine_verify_result(*args)
