"""Evaluation of a role's trust policy for the Roles Anywhere service principal.

moto evaluates no trust-policy conditions worth the name (only StringEquals, and it ignores the rest), so the
subset IAM documents for trust policies is evaluated here: principals, actions, explicit Deny over Allow, and the
string/ARN/null/bool condition operators with their IfExists, ForAnyValue: and ForAllValues: forms.
"""

from __future__ import annotations

import json
import re
from typing import Callable

SERVICE_PRINCIPAL = "rolesanywhere.amazonaws.com"
# The service tags the session and sets its source identity, so the trust policy must allow all three.
REQUIRED_ACTIONS = ("sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity")


class UnsupportedCondition(Exception):
    """A condition operator this evaluator does not know; treated as failing closed."""


def request_context(
    *, source_arn: str, source_account: str, tags: dict[str, str], session_name: str, source_identity: str
) -> dict[str, list[str]]:
    """Condition keys as IAM sees them for this request; keys are case-insensitive, so stored lowercase."""
    context = {
        "aws:sourcearn": [source_arn],
        "aws:sourceaccount": [source_account],
        "aws:principalservicename": [SERVICE_PRINCIPAL],
        "sts:rolesessionname": [session_name],
        "sts:sourceidentity": [source_identity],
    }
    if tags:
        context["aws:tagkeys"] = list(tags)
    for key, value in tags.items():
        context[f"aws:principaltag/{key}".lower()] = [value]
        context[f"aws:requesttag/{key}".lower()] = [value]
    return context


def refused_actions(policy_document, context: dict[str, list[str]]) -> dict[str, str]:
    """Required actions the trust policy does not allow, each with the reason; empty when the role may be assumed."""
    statements = _statements(policy_document)
    refused = {}
    for action in REQUIRED_ACTIONS:
        decision = _decide(statements, action, context)
        if decision != "allow":
            refused[action] = decision
    return refused


def _statements(policy_document) -> list[dict]:
    document = json.loads(policy_document) if isinstance(policy_document, str) else policy_document
    statements = (document or {}).get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _decide(statements: list[dict], action: str, context: dict[str, list[str]]) -> str:
    allowed = False
    for index, statement in enumerate(statements):
        try:
            applies = (
                _principal_matches(statement)
                and _action_matches(statement, action)
                and _conditions_match(statement.get("Condition", {}), context)
            )
        except UnsupportedCondition as error:
            # An operator we cannot evaluate must neither grant nor lift a denial.
            if statement.get("Effect") == "Deny":
                return f"statement {index} denies (unsupported condition {error})"
            continue
        if applies and statement.get("Effect") == "Deny":
            return f"explicitly denied by statement {index}"
        if applies and statement.get("Effect") == "Allow":
            allowed = True
    return "allow" if allowed else "no statement allows it"


def _principal_matches(statement: dict) -> bool:
    if "NotPrincipal" in statement:
        return not _principal_listed(statement["NotPrincipal"])
    return _principal_listed(statement.get("Principal"))


def _principal_listed(principal) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    if "*" in _as_list(principal.get("AWS")):
        return True
    return any(value.lower() == SERVICE_PRINCIPAL for value in _as_list(principal.get("Service")))


def _action_matches(statement: dict, action: str) -> bool:
    if "NotAction" in statement:
        return not any(
            _wildcard_match(pattern, action, ignore_case=True) for pattern in _as_list(statement["NotAction"])
        )
    return any(_wildcard_match(pattern, action, ignore_case=True) for pattern in _as_list(statement.get("Action")))


def _conditions_match(block: dict, context: dict[str, list[str]]) -> bool:
    """All operators and all keys must hold (AND); the values listed for one key are alternatives (OR)."""
    for operator, tests in block.items():
        for key, expected in tests.items():
            if not condition_holds(operator, key, _as_list(expected), context):
                return False
    return True


def condition_holds(operator: str, key: str, expected: list[str], context: dict[str, list[str]]) -> bool:
    set_operator, base, if_exists = _split_operator(operator)
    actual = context.get(key.lower())
    if base == "Null":
        # Null: "true" asks for the key to be absent, "false" for it to be present.
        return (actual is None) == (str(expected[0]).lower() == "true")
    test, negated = _value_test(base)
    expected = [str(value) for value in expected]
    if actual is None:
        if if_exists or set_operator == "ForAllValues":
            return True
        if set_operator == "ForAnyValue":
            return False
        # A missing key never matches; the negated operators therefore hold.
        return negated
    results = [test(value, expected) != negated for value in actual]
    if set_operator == "ForAllValues":
        return all(results)
    if set_operator == "ForAnyValue" or not negated:
        return any(results)
    return all(results)


def _split_operator(operator: str) -> tuple[str | None, str, bool]:
    set_operator = None
    for prefix in ("ForAnyValue", "ForAllValues"):
        if operator.startswith(f"{prefix}:"):
            set_operator, operator = prefix, operator[len(prefix) + 1 :]
    if_exists = operator.endswith("IfExists")
    if if_exists:
        operator = operator[: -len("IfExists")]
    return set_operator, operator, if_exists


def _value_test(base: str) -> tuple[Callable[[str, list[str]], bool], bool]:
    """The positive comparison behind an operator, and whether the operator negates it."""
    positive = {
        "StringEquals": lambda actual, expected: actual in expected,
        "StringEqualsIgnoreCase": lambda actual, expected: actual.lower() in (value.lower() for value in expected),
        "StringLike": lambda actual, expected: any(_wildcard_match(value, actual) for value in expected),
        "ArnEquals": lambda actual, expected: any(_arn_match(value, actual) for value in expected),
        "ArnLike": lambda actual, expected: any(_arn_match(value, actual) for value in expected),
        "Bool": lambda actual, expected: actual.lower() in (value.lower() for value in expected),
    }
    negations = {
        "StringNotEquals": "StringEquals",
        "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
        "StringNotLike": "StringLike",
        "ArnNotEquals": "ArnEquals",
        "ArnNotLike": "ArnLike",
    }
    if base in positive:
        return positive[base], False
    if base in negations:
        return positive[negations[base]], True
    raise UnsupportedCondition(base)


def _wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    # IAM wildcards: '*' any run of characters, '?' exactly one; everything else literal.
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    flags = (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL
    return re.fullmatch(regex, value, flags) is not None


def _arn_match(pattern: str, arn: str) -> bool:
    """ARN operators compare the six colon-separated parts one by one, wildcards within a part."""
    pattern_parts = pattern.split(":", 5)
    arn_parts = arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return _wildcard_match(pattern, arn)
    return all(_wildcard_match(expected, actual) for expected, actual in zip(pattern_parts, arn_parts))


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
