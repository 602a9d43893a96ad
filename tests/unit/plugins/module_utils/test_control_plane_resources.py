"""Resource-specific pure logic: trust anchor sources, profile comparison and validation, CRL identity and issuer."""

import json

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import crl_resource
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import profile_resource as pr
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import trust_anchor_resource as tar
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import RolesAnywhereError
from support.x509 import Authority

ROLE = "arn:aws:iam::123456789012:role/onprem"


@pytest.fixture(scope="module")
def ca():
    return Authority("Unit CA")


def rewrap(pem, width=48):
    """The same certificate/CRL with other line lengths: textually different, semantically equal."""
    lines = pem.strip().splitlines()
    body = "".join(lines[1:-1])
    return "\n".join([lines[0]] + [body[i : i + width] for i in range(0, len(body), width)] + [lines[-1]]) + "\n"


# ---- trust anchor source ----------------------------------------------------------------------------------------


def test_a_ca_bundle_passes(ca):
    assert tar.validate_source({"certificate_bundle": ca.pem}) is None


def test_a_leaf_is_refused_with_the_rule(ca):
    leaf = Authority("Not a CA", ca=False, key_cert_sign=False)
    message = tar.validate_source({"certificate_bundle": ca.pem + leaf.pem})
    assert message.startswith("certificate_bundle:") and "CA:true" in message


def test_a_ca_without_key_cert_sign_is_refused():
    message = tar.validate_source({"certificate_bundle": Authority("No signing", key_cert_sign=False).pem})
    assert message.startswith("certificate_bundle:") and "keyCertSign" in message


def test_garbage_is_refused():
    assert "no PEM certificate" in tar.validate_source({"certificate_bundle": "not a certificate"})


def test_acm_pca_arn_shape():
    assert (
        tar.validate_source({"acm_pca_arn": "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/abc"}) is None
    )
    assert "not an ACM Private CA ARN" in tar.validate_source({"acm_pca_arn": "arn:aws:iam::123456789012:role/x"})


def test_rewrapped_bundle_is_not_a_change(ca):
    current = {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca.pem}}
    assert not tar.source_differs(current, tar.desired_source({"certificate_bundle": rewrap(ca.pem)}))
    assert tar.source_differs(current, tar.desired_source({"certificate_bundle": Authority("Other").pem}))
    assert tar.source_differs(
        current, tar.desired_source({"acm_pca_arn": "arn:aws:acm-pca:x:1:certificate-authority/y"})
    )
    assert not tar.source_differs(current, None)


def test_creating_without_a_source_says_what_is_missing():
    with pytest.raises(RolesAnywhereError, match="certificate_bundle .* or acm_pca_arn"):
        tar.create_trust_anchor(None, {"name": "a", "enabled": True}, True)


# ---- profile ----------------------------------------------------------------------------------------------------

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["redshift:DescribeClusters"], "Resource": "*"}],
}


def test_session_policy_accepts_dict_and_json_text():
    assert pr.parse_session_policy(POLICY) == POLICY
    assert pr.parse_session_policy(json.dumps(POLICY)) == POLICY
    assert pr.parse_session_policy(None) is None
    assert pr.parse_session_policy("  ") == {}


@pytest.mark.parametrize(
    "value,fragment",
    [
        ("{not json", "not valid JSON"),
        ([1], "must be an IAM policy document"),
        ({"Version": "2012-10-17"}, "has no 'Statement'"),
    ],
)
def test_session_policy_errors_name_the_field(value, fragment):
    with pytest.raises(ValueError, match=fragment) as error:
        pr.parse_session_policy(value)
    assert str(error.value).startswith("session_policy")


def test_session_policy_compares_semantically():
    stored = json.dumps(
        {
            "Statement": [{"Resource": "*", "Action": "redshift:DescribeClusters", "Effect": "Allow"}],
            "Version": "2012-10-17",
        }
    )
    assert not pr.session_policy_differs(stored, POLICY)
    assert pr.session_policy_differs(
        stored,
        pr.parse_session_policy(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "redshift:*", "Resource": "*"}]}
        ),
    )
    assert pr.session_policy_differs(None, POLICY)
    assert not pr.session_policy_differs(None, {})


def test_updates_compare_lists_as_sets_and_skip_unmanaged_fields():
    current = {"name": "p", "roleArns": [ROLE, ROLE + "2"], "managedPolicyArns": [], "durationSeconds": 3600}
    params = {"name": "p", "role_arns": [ROLE + "2", ROLE], "managed_policy_arns": None, "duration_seconds": None}
    assert pr._profile_updates(current, params) == {}
    params.update(duration_seconds=900, managed_policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    assert pr._profile_updates(current, params) == {
        "durationSeconds": 900,
        "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    }


def test_removing_a_session_policy_fails_with_the_way_out():
    current = {"name": "p", "sessionPolicy": json.dumps(POLICY)}
    with pytest.raises(RolesAnywhereError, match="cannot remove one"):
        pr._profile_updates(current, {"session_policy": {}})


def test_attribute_mapping_plan_replaces_removes_and_keeps():
    current = [
        {"certificateField": "x509Subject", "mappingRules": [{"specifier": "*"}]},
        {"certificateField": "x509Issuer", "mappingRules": [{"specifier": "*"}]},
        {"certificateField": "x509SAN", "mappingRules": [{"specifier": "URI"}, {"specifier": "DNS"}]},
    ]
    desired = [
        {"certificate_field": "x509Subject", "specifiers": ["OU", "CN"]},
        {"certificate_field": "x509SAN", "specifiers": []},
    ]
    assert pr.plan_attribute_mappings(current, desired) == ({"x509Subject": ["CN", "OU"]}, ["x509SAN"])
    same = [{"certificate_field": "x509SAN", "specifiers": ["DNS", "URI", "DNS"]}]
    assert pr.plan_attribute_mappings(current, same) == ({}, [])
    assert pr.plan_attribute_mappings(current, None) == ({}, [])


@pytest.mark.parametrize(
    "params,fragment",
    [
        ({"duration_seconds": 899}, "duration_seconds is 899"),
        ({"duration_seconds": 43201}, "900 to 43200"),
        ({"role_arns": ["arn:aws:iam::123456789012:user/bob"]}, "role_arns entry"),
        ({"role_arns": [ROLE] * 251}, "at most 250"),
        ({"managed_policy_arns": ["AmazonRedshiftReadOnlyAccess"]}, "managed_policy_arns entry"),
        ({"managed_policy_arns": ["arn:aws:iam::aws:policy/A"] * 51}, "at most 50"),
        ({"session_policy": "{"}, "session_policy is not valid JSON"),
        ({"attribute_mappings": [{"certificate_field": "x509SAN", "specifiers": ["x" * 61]}]}, "longer than 60"),
        ({"attribute_mappings": [{"certificate_field": "x509SAN", "specifiers": []}] * 2}, "repeats certificate_field"),
    ],
)
def test_profile_validation_names_the_field(params, fragment):
    assert fragment in pr.validate_profile_params(params)


def test_valid_profile_params_pass():
    assert (
        pr.validate_profile_params(
            {
                "role_arns": [ROLE],
                "duration_seconds": 3600,
                "session_policy": POLICY,
                "managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonRedshiftReadOnlyAccess"],
            }
        )
        is None
    )


def test_creating_without_roles_says_what_is_missing():
    with pytest.raises(RolesAnywhereError, match="role_arns is required"):
        pr.create_profile(None, {"name": "p"}, True)


def test_normalized_profile_returns_the_session_policy_as_a_dict():
    result = pr.normalize_profile({"profileId": "x", "sessionPolicy": json.dumps(POLICY), "roleArns": [ROLE]})
    assert result["session_policy"] == POLICY and result["role_arns"] == [ROLE]


# ---- CRL --------------------------------------------------------------------------------------------------------


def test_crl_validation(ca):
    assert crl_resource.validate_crl_params({"crl": ca.crl([1, 2])}) is None
    assert "no PEM CRL" in crl_resource.validate_crl_params({"crl": ca.pem})
    assert crl_resource.validate_crl_params({"crl": None}) is None


def test_crl_identity_ignores_pem_wrapping(ca):
    pem = ca.crl([7])
    assert crl_resource.crl_identity(pem) == crl_resource.crl_identity(rewrap(pem).encode())
    assert crl_resource.crl_identity(pem) != crl_resource.crl_identity(ca.crl([8]))


def test_crl_must_be_signed_by_the_anchor_ca(ca):
    anchor = {
        "name": "a",
        "source": {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca.pem}},
    }
    crl_resource.check_crl_signed_by_anchor(ca.crl([1]), anchor)
    with pytest.raises(RolesAnywhereError, match="does not belong to trust anchor 'a'"):
        crl_resource.check_crl_signed_by_anchor(Authority("Other").crl([1]), anchor)


def test_acm_pca_anchors_are_left_to_the_service(ca):
    anchor = {"name": "a", "source": {"sourceType": "AWS_ACM_PCA", "sourceData": {"acmPcaArn": "arn"}}}
    crl_resource.check_crl_signed_by_anchor(Authority("Other").crl([1]), anchor)


def test_normalized_crl_returns_pem_text(ca):
    pem = ca.crl([1])
    assert crl_resource.normalize_crl({"crlId": "x", "crlData": pem.encode()})["crl_data"] == pem
