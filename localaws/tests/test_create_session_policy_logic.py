"""The stand-in's trust-policy evaluator and certificate-to-tag mapping, called directly (pure logic, no server)."""

from __future__ import annotations

import pki_factory
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from localaws import session_identity, session_policy

ANCHOR = "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/11111111-2222-4333-8444-555555555555"


def context(**tags):
    return session_policy.request_context(
        source_arn=ANCHOR,
        source_account="123456789012",
        tags={key.replace("__", "/"): value for key, value in tags.items()},
        session_name="0a1b",
        source_identity="CN=host",
    )


def allow(condition=None, action="sts:*", principal=None):
    statement = {
        "Effect": "Allow",
        "Principal": principal or {"Service": "rolesanywhere.amazonaws.com"},
        "Action": action,
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    "operator, expected, holds",
    [
        ("StringEquals", "web01", True),
        ("StringEquals", ["db01", "web01"], True),
        ("StringEquals", "WEB01", False),
        ("StringEqualsIgnoreCase", "WEB01", True),
        ("StringNotEquals", "web01", False),
        ("StringNotEquals", "db01", True),
        ("StringLike", "web*", True),
        ("StringLike", "web0?", True),
        ("StringLike", "db*", False),
        ("StringNotLike", "db*", True),
    ],
)
def test_string_operators(operator, expected, holds):
    values = expected if isinstance(expected, list) else [expected]
    assert (
        session_policy.condition_holds(
            operator, "aws:PrincipalTag/x509Subject/CN", values, context(x509Subject__CN="web01")
        )
        is holds
    )


def test_condition_keys_are_case_insensitive():
    assert session_policy.condition_holds(
        "StringEquals", "AWS:principaltag/X509SUBJECT/cn", ["web01"], context(x509Subject__CN="web01")
    )


@pytest.mark.parametrize(
    "operator, pattern, holds",
    [
        ("ArnEquals", ANCHOR, True),
        ("ArnLike", "arn:aws:rolesanywhere:*:123456789012:trust-anchor/*", True),
        ("ArnLike", "arn:aws:rolesanywhere:*:999999999999:trust-anchor/*", False),
        ("ArnNotLike", "arn:aws:rolesanywhere:*:999999999999:*", True),
        ("ArnNotEquals", ANCHOR, False),
    ],
)
def test_arn_operators(operator, pattern, holds):
    assert session_policy.condition_holds(operator, "aws:SourceArn", [pattern], context()) is holds


def test_missing_key_matches_only_negated_if_exists_and_null():
    empty = context()
    key = "aws:PrincipalTag/x509SAN/DNS"
    assert not session_policy.condition_holds("StringEquals", key, ["x"], empty)
    assert session_policy.condition_holds("StringNotEquals", key, ["x"], empty)
    assert session_policy.condition_holds("StringEqualsIfExists", key, ["x"], empty)
    assert session_policy.condition_holds("Null", key, ["true"], empty)
    assert not session_policy.condition_holds("Null", key, ["false"], empty)
    assert session_policy.condition_holds("ForAllValues:StringEquals", key, ["x"], empty)
    assert not session_policy.condition_holds("ForAnyValue:StringEquals", key, ["x"], empty)


def test_set_operators_on_tag_keys():
    tagged = context(x509Subject__CN="web01", x509Subject__OU="Ops")
    assert session_policy.condition_holds("ForAnyValue:StringEquals", "aws:TagKeys", ["x509Subject/OU"], tagged)
    assert session_policy.condition_holds("ForAllValues:StringLike", "aws:TagKeys", ["x509Subject/*"], tagged)
    assert not session_policy.condition_holds("ForAllValues:StringEquals", "aws:TagKeys", ["x509Subject/CN"], tagged)


def test_all_three_actions_must_be_allowed():
    refused = session_policy.refused_actions(allow(action=["sts:AssumeRole", "sts:TagSession"]), context())
    assert list(refused) == ["sts:SetSourceIdentity"]
    assert session_policy.refused_actions(allow(action="sts:*"), context()) == {}


def test_other_principals_do_not_count():
    assert set(session_policy.refused_actions(allow(principal={"Service": "ec2.amazonaws.com"}), context())) == set(
        session_policy.REQUIRED_ACTIONS
    )
    assert session_policy.refused_actions(allow(principal="*"), context()) == {}


def test_explicit_deny_wins():
    policy = allow()
    policy["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "sts:TagSession"})
    assert "explicitly denied" in session_policy.refused_actions(policy, context())["sts:TagSession"]


def test_unknown_operator_fails_closed():
    refused = session_policy.refused_actions(
        allow({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}), context()
    )
    assert set(refused) == set(session_policy.REQUIRED_ACTIONS)


def test_default_mappings_tag_subject_issuer_and_first_san_values():
    ca = pki_factory.CertificateAuthority.root("Tag Root")
    leaf = ca.issue(
        "web01.example.com",
        dns_names=("web01.example.com", "alias.example.com"),
        uris=("spiffe://example.com/web",),
        directory_names=(pki_factory.name("svc-web", OU="Payments"), pki_factory.name("ignored")),
    )
    tags = session_identity.session_tags(leaf.certificate, None)
    assert tags["x509Subject/CN"] == "web01.example.com"
    assert tags["x509Subject/OU"] == "Workloads"
    assert tags["x509Issuer/CN"] == "Tag Root"
    assert tags["x509SAN/DNS"] == "web01.example.com"
    assert tags["x509SAN/URI"] == "spiffe://example.com/web"
    assert (tags["x509SAN/Name/CN"], tags["x509SAN/Name/OU"]) == ("svc-web", "Payments")


def test_repeated_attributes_are_joined_with_slashes():
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Ops"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Batch"),
            x509.NameAttribute(NameOID.COMMON_NAME, "job01"),
        ]
    )
    leaf = pki_factory.CertificateAuthority.root("Tag Root").issue(subject=subject)
    assert session_identity.session_tags(leaf.certificate, None)["x509Subject/OU"] == "Ops/Batch"


def test_mapping_rules_select_specifiers():
    leaf = pki_factory.CertificateAuthority.root("Tag Root").issue("web01.example.com")
    mappings = [{"certificateField": "x509Subject", "mappingRules": [{"specifier": "OU"}]}]
    assert session_identity.session_tags(leaf.certificate, mappings) == {"x509Subject/OU": "Workloads"}
