"""How the stand-in decides whether one IAM policy statement applies to a Roles Anywhere request (pure logic)."""

import pytest

from localaws.auth import statement_effect

ANCHOR = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/0f0f0f0f-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    "statement, action, resource, expected",
    [
        (
            {"Effect": "Allow", "Action": "rolesanywhere:*", "Resource": "*"},
            "rolesanywhere:GetTrustAnchor",
            ANCHOR,
            "Allow",
        ),
        (
            {"Effect": "Allow", "Action": "RolesAnywhere:get*", "Resource": "*"},
            "rolesanywhere:GetTrustAnchor",
            ANCHOR,
            "Allow",
        ),
        ({"Effect": "Allow", "Action": ["iam:*"], "Resource": "*"}, "rolesanywhere:GetTrustAnchor", ANCHOR, None),
        (
            {"Effect": "Deny", "NotAction": "rolesanywhere:List*", "Resource": "*"},
            "rolesanywhere:GetTrustAnchor",
            ANCHOR,
            "Deny",
        ),
        (
            {"Effect": "Deny", "NotAction": "rolesanywhere:List*", "Resource": "*"},
            "rolesanywhere:ListProfiles",
            "*",
            None,
        ),
        (
            {"Effect": "Allow", "Action": "rolesanywhere:*", "Resource": "arn:aws:rolesanywhere:*:*:trust-anchor/*"},
            "rolesanywhere:GetTrustAnchor",
            ANCHOR,
            "Allow",
        ),
        (
            {"Effect": "Allow", "Action": "rolesanywhere:*", "Resource": "arn:aws:rolesanywhere:*:*:trust-anchor/*"},
            "rolesanywhere:ListTrustAnchors",
            "*",
            None,
        ),
        (
            {"Effect": "Allow", "Action": "rolesanywhere:*", "NotResource": ANCHOR},
            "rolesanywhere:GetTrustAnchor",
            ANCHOR,
            None,
        ),
        (
            {"Effect": "Allow", "Action": "rolesanywhere:*", "Resource": ANCHOR.replace("0f0f0f0f", "0f0f0f0?")},
            "rolesanywhere:GetTrustAnchor",
            ANCHOR,
            "Allow",
        ),
        # A dot in a policy is a dot, not "any character".
        (
            {"Effect": "Allow", "Action": "rolesanywhere:*", "Resource": "arn.aws:*"},
            "rolesanywhere:GetTrustAnchor",
            ANCHOR,
            None,
        ),
    ],
)
def test_action_and_resource_matching(statement, action, resource, expected):
    assert statement_effect(statement, action, resource, {}) == expected


@pytest.mark.parametrize("service, expected", [("rolesanywhere.amazonaws.com", "Allow"), ("ec2.amazonaws.com", None)])
def test_conditions_decide_whether_an_allow_applies(service, expected):
    statement = {
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": "*",
        "Condition": {"StringEquals": {"iam:PassedToService": "rolesanywhere.amazonaws.com"}},
    }
    assert (
        statement_effect(
            statement, "iam:PassRole", "arn:aws:iam::123456789012:role/r", {"iam:PassedToService": service}
        )
        == expected
    )


def test_a_deny_whose_condition_fails_does_not_apply():
    statement = {
        "Effect": "Deny",
        "Action": "iam:PassRole",
        "Resource": "*",
        "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
    }
    assert (
        statement_effect(
            statement,
            "iam:PassRole",
            "arn:aws:iam::123456789012:role/r",
            {"iam:PassedToService": "rolesanywhere.amazonaws.com"},
        )
        is None
    )
