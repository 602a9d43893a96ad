# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM role trust policy that lets IAM Roles Anywhere vend credentials for a role.

There is no API that associates a profile or trust anchor with a role: the role's trust policy is the only thing
that says which trust anchors (aws:SourceArn) and which certificates (aws:PrincipalTag/x509Subject/...) may assume
it. A policy without aws:SourceArn trusts every trust anchor of the account, so rendering one needs an explicit
opt-in. Pure logic: no API calls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.service_limits import TRUST_ANCHOR_ARN_PATTERN

SERVICE_PRINCIPAL = "rolesanywhere.amazonaws.com"
ACTIONS = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9.]*$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


class TrustPolicyError(ValueError):
    """The requested trust policy would be invalid or unsafe; the message says why and what to do."""


def _as_list(value, field):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        if not all(isinstance(item, str) for item in value):
            raise TrustPolicyError(f"{field} must hold strings only")
        return list(value)
    raise TrustPolicyError(f"{field} must be a string or a list of strings, got {type(value).__name__}")


def has_wildcard(value):
    return "*" in value or "?" in value


def _single_or_list(values):
    return values[0] if len(values) == 1 else values


def _attribute_conditions(attributes, tag_prefix, field):
    """StringEquals/StringLike entries for certificate attributes ({'CN': ['web-*'], 'OU': 'db'}).

    All values of one attribute go under one operator: values under StringEquals and StringLike for the same key
    would both have to match (conditions are ANDed), so any wildcard moves the whole key to StringLike.
    """
    equals, like = {}, {}
    if attributes is None:
        return equals, like
    if not isinstance(attributes, dict):
        raise TrustPolicyError(
            f"{field} must be a dict of certificate attribute to allowed value(s), e.g. {{'CN': ['web-*']}}"
        )
    for name, raw_values in sorted(attributes.items()):
        if not ATTRIBUTE_NAME.match(str(name)):
            raise TrustPolicyError(
                f"{field} key '{name}' is not a certificate attribute name such as CN, OU, O, C, L, ST"
            )
        values = _as_list(raw_values, f"{field}.{name}")
        if not values:
            raise TrustPolicyError(f"{field}.{name} is empty; give at least one allowed value or drop the key")
        target = like if any(has_wildcard(value) for value in values) else equals
        target[f"aws:PrincipalTag/{tag_prefix}/{name}"] = _single_or_list(values)
    return equals, like


def render_trust_policy(
    trust_anchor_arns=None, subject=None, issuer=None, source_account=None, allow_any_trust_anchor=False
):
    """The trust policy document (a dict) for a role assumed through IAM Roles Anywhere."""
    anchors = _as_list(trust_anchor_arns, "trust_anchor_arns")
    for arn in anchors:
        if not TRUST_ANCHOR_ARN_PATTERN.match(arn):
            raise TrustPolicyError(
                f"'{arn}' is not a trust anchor ARN (arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/UUID)"
            )
    if not anchors and not allow_any_trust_anchor:
        raise TrustPolicyError(
            "no trust anchor ARN given: without an aws:SourceArn condition any certificate from ANY trust anchor in the "
            "account could assume the role. Pass the trust anchor ARN(s), or set allow_any_trust_anchor=true if that "
            "is really intended"
        )
    condition = {}
    if anchors:
        condition["ArnEquals"] = {"aws:SourceArn": _single_or_list(anchors)}
    equals, like = {}, {}
    for attributes, prefix, field in ((subject, "x509Subject", "subject"), (issuer, "x509Issuer", "issuer")):
        more_equals, more_like = _attribute_conditions(attributes, prefix, field)
        equals.update(more_equals)
        like.update(more_like)
    if source_account is not None:
        if not ACCOUNT_ID.match(str(source_account)):
            raise TrustPolicyError(f"source_account '{source_account}' is not a 12-digit AWS account id")
        equals["aws:SourceAccount"] = str(source_account)
    if equals:
        condition["StringEquals"] = equals
    if like:
        condition["StringLike"] = like
    statement = {"Effect": "Allow", "Principal": {"Service": SERVICE_PRINCIPAL}, "Action": list(ACTIONS)}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}
