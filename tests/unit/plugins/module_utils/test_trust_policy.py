"""The IAM role trust policy for Roles Anywhere."""

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_policy import (
    TrustPolicyError,
    render_trust_policy,
)

ANCHOR = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45"
ANCHOR2 = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/6f0a2f6e-88c2-4f39-9d1c-1c1a3f7a2b11"


def statement(policy):
    assert policy["Version"] == "2012-10-17" and len(policy["Statement"]) == 1
    return policy["Statement"][0]


def test_principal_actions_and_source_arn():
    rendered = statement(render_trust_policy(ANCHOR))
    assert rendered["Effect"] == "Allow"
    assert rendered["Principal"] == {"Service": "rolesanywhere.amazonaws.com"}
    assert rendered["Action"] == ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
    assert rendered["Condition"] == {"ArnEquals": {"aws:SourceArn": ANCHOR}}


def test_several_trust_anchors_become_a_list():
    rendered = statement(render_trust_policy([ANCHOR, ANCHOR2]))
    assert rendered["Condition"]["ArnEquals"]["aws:SourceArn"] == [ANCHOR, ANCHOR2]


@pytest.mark.parametrize("anchors", [None, [], ""])
def test_refuses_without_a_trust_anchor_and_says_why(anchors):
    with pytest.raises(TrustPolicyError) as error:
        render_trust_policy(anchors or None)
    assert "ANY trust anchor" in str(error.value) and "allow_any_trust_anchor" in str(error.value)


def test_any_trust_anchor_only_when_told():
    rendered = statement(render_trust_policy(None, allow_any_trust_anchor=True))
    assert "Condition" not in rendered


def test_exact_values_use_string_equals_and_wildcards_string_like():
    rendered = statement(render_trust_policy(ANCHOR, subject={"CN": "db-01", "OU": ["web-*", "api"]}))
    assert rendered["Condition"]["StringEquals"] == {"aws:PrincipalTag/x509Subject/CN": "db-01"}
    # One wildcard moves every value of that attribute to StringLike: two operators on one key would both apply.
    assert rendered["Condition"]["StringLike"] == {"aws:PrincipalTag/x509Subject/OU": ["web-*", "api"]}


def test_question_mark_is_a_wildcard_too():
    rendered = statement(render_trust_policy(ANCHOR, subject={"CN": "db-0?"}))
    assert rendered["Condition"]["StringLike"] == {"aws:PrincipalTag/x509Subject/CN": "db-0?"}


def test_issuer_and_source_account():
    rendered = statement(render_trust_policy(ANCHOR, issuer={"CN": "Corp Root CA"}, source_account="123456789012"))
    assert rendered["Condition"]["StringEquals"] == {
        "aws:PrincipalTag/x509Issuer/CN": "Corp Root CA",
        "aws:SourceAccount": "123456789012",
    }


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"trust_anchor_arns": "arn:aws:iam::123456789012:role/x"}, "is not a trust anchor ARN"),
        ({"trust_anchor_arns": ANCHOR, "subject": {"C N": "x"}}, "not a certificate attribute name"),
        ({"trust_anchor_arns": ANCHOR, "subject": {"CN": []}}, "subject.CN is empty"),
        ({"trust_anchor_arns": ANCHOR, "subject": ["CN"]}, "subject must be a dict"),
        ({"trust_anchor_arns": ANCHOR, "source_account": "12"}, "12-digit"),
    ],
)
def test_invalid_input_is_refused(kwargs, fragment):
    with pytest.raises(TrustPolicyError, match=fragment):
        render_trust_policy(**kwargs)


def test_rendering_is_deterministic():
    assert render_trust_policy(ANCHOR, subject={"OU": "a", "CN": "b*"}) == render_trust_policy(
        ANCHOR, subject={"CN": "b*", "OU": "a"}
    )
