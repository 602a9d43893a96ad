"""The trust role's skip decision: unchanged only when the module itself would change nothing; in doubt, run it."""

import base64
import json

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import trust_state
from support import x509 as t
from support.control_plane_samples import ROLE_ARN
from support.control_plane_samples import described_profile as profile

ANCHOR_ARN = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45"
CA_KEY = t.key("ec-p256")
CA = t.ca_certificate(CA_KEY, cn="Unit Root CA")
CA_PEM = t.pem(CA)


def anchor(**changes):
    current = {
        "name": "onprem",
        "trustAnchorId": "5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45",
        "trustAnchorArn": ANCHOR_ARN,
        "enabled": True,
        "tags": {"team": "data"},
        "notificationSettings": [],
        "source": {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": CA_PEM}},
    }
    current.update(changes)
    return current


def anchor_params(**changes):
    params = {
        "name": "onprem",
        "certificate_bundle": CA_PEM,
        "acm_pca_arn": None,
        "replace": False,
        "notification_settings": [],
        "tags": {"team": "data"},
    }
    params.update(changes)
    return params


def test_a_trust_anchor_that_holds_the_bundle_and_tags_is_unchanged():
    assert trust_state.unchanged({"trust_anchor": anchor()}, "trust_anchor", anchor_params())
    # Re-wrapped PEM is the same certificate.
    assert trust_state.unchanged(
        {"trust_anchor": anchor()}, "trust_anchor", anchor_params(certificate_bundle="\n" + CA_PEM + "\n")
    )


def test_other_tags_a_disabled_anchor_or_another_ca_run_the_module():
    other = t.pem(t.ca_certificate(t.key("ec-p256"), cn="Other CA"))
    assert not trust_state.unchanged({"trust_anchor": anchor()}, "trust_anchor", anchor_params(tags={"team": "ops"}))
    assert not trust_state.unchanged({"trust_anchor": anchor(enabled=False)}, "trust_anchor", anchor_params())
    # Another CA: the module runs, and refuses it (custody) with its own message.
    assert not trust_state.unchanged(
        {"trust_anchor": anchor()}, "trust_anchor", anchor_params(certificate_bundle=other)
    )


def test_a_missing_resource_or_an_unreadable_state_runs_the_module():
    assert not trust_state.unchanged({"trust_anchor": None}, "trust_anchor", anchor_params())
    assert not trust_state.unchanged(None, "profile", {"name": "reader"})
    assert not trust_state.unchanged({"trust_anchor": {"unexpected": "shape"}}, "trust_anchor", anchor_params())


def test_a_profile_compares_as_the_module_converts_its_options():
    # Older ansible-core releases template numbers and booleans as text; the module's argument spec converts them.
    params = {
        "name": "reader",
        "role_arns": [ROLE_ARN],
        "purge_role_arns": "True",
        "duration_seconds": "3600",
        "managed_policy_arns": [],
        "session_policy": None,
        "tags": {},
    }
    assert trust_state.unchanged({"profile": profile()}, "profile", params)
    assert not trust_state.unchanged({"profile": profile()}, "profile", dict(params, duration_seconds="7200"))
    assert not trust_state.unchanged({"profile": profile(roleArns=[ROLE_ARN, ROLE_ARN + "-2"])}, "profile", params)


def test_iam_policies_compare_as_amazon_aws_does():
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["b:Y", "a:X"], "Resource": "*"}]}
    reordered = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["a:X", "b:Y"], "Resource": "*"}]}
    assert trust_state.unchanged({"iam_policy": document}, "iam_policy", {"policy_json": json.dumps(reordered)})
    more = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["a:X", "b:Y", "c:Z"], "Resource": "*"}],
    }
    assert not trust_state.unchanged({"iam_policy": document}, "iam_policy", {"policy_json": json.dumps(more)})
    role = {
        "arn": ROLE_ARN,
        "assume_role_policy_document": document,
        "max_session_duration": 3600,
        "tags": {"team": "data"},
    }
    params = {
        "assume_role_policy_document": json.dumps(reordered),
        "max_session_duration": "3600",
        "tags": {"team": "data"},
    }
    assert trust_state.unchanged({"iam_role": role}, "iam_role", params)
    assert not trust_state.unchanged({"iam_role": role}, "iam_role", dict(params, max_session_duration=7200))
    assert not trust_state.unchanged({"iam_role": role}, "iam_role", dict(params, tags={}))


def test_a_crl_read_as_base64_is_the_same_crl():
    crl_pem = t.pem(t.crl(CA, CA_KEY, serials=[0x42]))
    current = {
        "name": "onprem-ca-crl",
        "crlId": "1f0c3e9b-0000-4000-8000-000000000001",
        "trustAnchorArn": ANCHOR_ARN,
        "enabled": True,
        "tags": {},
        "crlData": trust_state.crl_data_as_text(crl_pem.encode("ascii")),
    }
    params = {"name": "onprem-ca-crl", "trust_anchor_arn": ANCHOR_ARN, "crl": crl_pem, "tags": {}}
    assert trust_state.unchanged({"crl": current}, "crl", params)
    newer = t.pem(t.crl(CA, CA_KEY, serials=[0x42, 0x43]))
    assert not trust_state.unchanged({"crl": current}, "crl", dict(params, crl=newer))
    assert not trust_state.unchanged({"crl": current}, "crl", dict(params, trust_anchor_arn=ANCHOR_ARN[:-1] + "0"))
    assert base64.b64decode(current["crlData"]) == crl_pem.encode("ascii")
