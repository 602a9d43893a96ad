"""CA custody rules: which CA a trust anchor keeps, and what a new bundle may drop."""

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import ca_custody, local_ca, pki
from support.x509 import Authority


def new_ca(name):
    return Authority(name).cert


OLD, NEW = new_ca("Old CA"), new_ca("New CA")
OLD_PEM, NEW_PEM = local_ca.pem_of(OLD), local_ca.pem_of(NEW)


def test_no_anchor_or_replace_protects_nothing():
    for check in (ca_custody.CustodyCheck("a", None), ca_custody.CustodyCheck("a", OLD_PEM, replace=True)):
        check.check_found(None, "/ca")
        check.check_found(NEW, "/ca")
        assert check.merged_bundle(NEW_PEM) == NEW_PEM


def test_missing_or_other_ca_is_refused_naming_both():
    check = ca_custody.CustodyCheck("onprem", OLD_PEM)
    with pytest.raises(pki.CertificateRuleError) as missing:
        check.check_found(None, "/ca")
    assert "no CA was found in /ca" in str(missing.value) and pki.fingerprint_sha256(OLD) in str(missing.value)
    with pytest.raises(pki.CertificateRuleError) as other:
        check.check_found(NEW, "/ca")
    assert pki.fingerprint_sha256(NEW) in str(other.value) and "'CN=Old CA'" in str(other.value)
    check.check_found(OLD, "/ca")


def test_merged_bundle_keeps_trusted_certificates_first():
    check = ca_custody.CustodyCheck("onprem", OLD_PEM + NEW_PEM)
    assert check.merged_bundle(NEW_PEM) == OLD_PEM + NEW_PEM
    assert ca_custody.CustodyCheck("onprem", OLD_PEM).merged_bundle(OLD_PEM + NEW_PEM) == OLD_PEM + NEW_PEM


def test_a_bundle_may_add_but_not_drop():
    ca_custody.check_bundle_keeps_trust("onprem", OLD_PEM, OLD_PEM + NEW_PEM, replace=False)
    ca_custody.check_bundle_keeps_trust("onprem", OLD_PEM, NEW_PEM, replace=True)
    with pytest.raises(pki.CertificateRuleError) as dropped:
        ca_custody.check_bundle_keeps_trust("onprem", OLD_PEM + NEW_PEM, NEW_PEM, replace=False)
    assert "would remove 'CN=Old CA'" in str(dropped.value)
