# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Just enough IAM policy evaluation to answer one question: do a profile's session policies let an action through?

Roles Anywhere applies a profile's managed policies and inline policy as session policies: the session may do only
what the role allows AND the session policies allow. Users put "read only" managed policies on a profile and then
wonder why the role's other permissions are denied. This module evaluates session policies for an action and
resource, the IAM way: an explicit Deny wins, otherwise some Allow must match. Conditions cannot be evaluated
without a request, so a statement with a Condition is reported as conditional instead of assumed to apply.
Pure logic: no API calls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

ALLOWED = "allowed"
DENIED = "denied"
CONDITIONAL = "conditional"
FULL = "full"
PARTIAL = "partial"


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _wildcard_regex(pattern, case_sensitive):
    # IAM wildcards: '*' any run of characters, '?' exactly one; everything else literal.
    translated = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("^" + translated + "$", 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def wildcard_match(pattern, value, case_sensitive=True):
    """Whether ``value`` matches the IAM wildcard ``pattern``."""
    return bool(_wildcard_regex(pattern, case_sensitive).match(value))


def action_matches(pattern, action):
    """Actions compare case-insensitively ('redshift:describe*' matches 'redshift:DescribeClusters')."""
    return wildcard_match(pattern, action, case_sensitive=False)


def resource_matches(pattern, resource):
    """Resources compare case-sensitively; a requested '*' is matched only by a statement resource of '*'."""
    return wildcard_match(pattern, resource, case_sensitive=True)


def statements(policy):
    """The statements of a policy document (a single statement object is allowed by IAM)."""
    return [statement for statement in _as_list((policy or {}).get("Statement")) if isinstance(statement, dict)]


def _has_wildcard(value):
    return "*" in value or "?" in value


def _resource_coverage(statement, resource):
    """FULL when the statement covers every resource the request names, PARTIAL when only some, None when none.

    A requested pattern such as '*' (the role's own Resource) is covered fully only by a statement pattern that
    matches it literally; a narrower statement resource still lets part of it through.
    """
    if "NotResource" in statement:
        if any(resource_matches(pattern, resource) for pattern in _as_list(statement["NotResource"])):
            return None
        return PARTIAL if _has_wildcard(resource) else FULL
    patterns = _as_list(statement.get("Resource"))
    if any(resource_matches(pattern, resource) for pattern in patterns):
        return FULL
    return PARTIAL if patterns and _has_wildcard(resource) else None


def _action_covered(statement, action):
    if "NotAction" in statement:
        return not any(action_matches(pattern, action) for pattern in _as_list(statement["NotAction"]))
    return any(action_matches(pattern, action) for pattern in _as_list(statement.get("Action")))


def statement_applies(statement, action, resource):
    """FULL, PARTIAL or None: how much of the request the statement's Action/NotAction and Resource/NotResource cover."""
    if not _action_covered(statement, action):
        return None
    return _resource_coverage(statement, resource)


def evaluate(policies, action, resource="*"):
    """Evaluate ``action`` on ``resource`` against a set of policy documents (named for the explanation).

    ``policies`` is a list of (name, document). Returns (decision, reason) with decision one of ALLOWED, DENIED,
    CONDITIONAL.
    """
    allow_sources, limited_allow_sources, conditional_deny_sources = [], [], []
    for name, document in policies:
        for statement in statements(document):
            coverage = statement_applies(statement, action, resource)
            if coverage is None:
                continue
            effect = statement.get("Effect")
            conditional = bool(statement.get("Condition"))
            if effect == "Deny" and coverage == FULL and not conditional:
                return DENIED, f"explicitly denied by {name}"
            if effect == "Deny":
                conditional_deny_sources.append(name)
            elif effect == "Allow" and coverage == FULL and not conditional:
                allow_sources.append(name)
            elif effect == "Allow":
                limited_allow_sources.append(name)
    if allow_sources and not conditional_deny_sources:
        return ALLOWED, f"allowed by {', '.join(sorted(set(allow_sources)))}"
    if allow_sources or limited_allow_sources:
        sources = sorted(set(limited_allow_sources + conditional_deny_sources))
        return CONDITIONAL, f"allowed only for some resources or under conditions, see {', '.join(sources)}"
    names = ", ".join(name for name, _document in policies) or "no policy"
    return DENIED, f"no statement of {names} allows it (implicit deny)"


def check_session_policies(session_policies, actions, resources=("*",)):
    """Which of the role's ``actions`` on ``resources`` the profile's session policies would block.

    No session policy at all means the session keeps the role's full permissions. Returns a list of findings
    {action, resource, decision, reason}, one per pair, in input order.
    """
    findings = []
    for action in actions:
        for resource in resources:
            if not session_policies:
                decision, reason = ALLOWED, "the profile has no session policy"
            else:
                decision, reason = evaluate(session_policies, action, resource)
            findings.append({"action": action, "resource": resource, "decision": decision, "reason": reason})
    return findings


def explain_blocked(findings, policy_names):
    """A message for the session-policy pitfall: which actions are blocked, why it happens, how to fix it."""
    blocked = [finding for finding in findings if finding["decision"] == DENIED]
    if not blocked:
        return None
    details = "; ".join(f"{finding['action']} on {finding['resource']}: {finding['reason']}" for finding in blocked)
    return (
        f"the profile's session policies ({', '.join(policy_names)}) block actions the role is meant to grant: {details}. "
        "Managed policies and the inline policy of a Roles Anywhere profile are session policies: the credentials "
        "get only what the role allows AND they allow, so these actions will be denied. Fix it by allowing the "
        "actions in the profile's session policy, choosing managed policies that include them, or removing the "
        "session policies from the profile."
    )
