# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The limits and identifier shapes of IAM Roles Anywhere and IAM that the controller-side checks share.

Each value comes from the service model (botocore's rolesanywhere and iam models) or the IAM Roles Anywhere User
Guide; input rules, resource modules and the trust policy renderer import them from here so a limit changes in one
place. Plain data and compiled patterns only: importable everywhere, on every supported Python.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Profile durationSeconds (CreateProfile/UpdateProfile): 15 minutes to 12 hours; the service default is one hour.
SESSION_DURATION_MIN = 900
SESSION_DURATION_MAX = 43200
SESSION_DURATION_DEFAULT = 3600
# IAM role MaxSessionDuration (CreateRole/UpdateRole): one to twelve hours.
ROLE_MAX_SESSION_MIN = 3600
ROLE_MAX_SESSION_MAX = 43200

# Profiles list at most this many roles and managed policies.
MAX_ROLE_ARNS = 250
MAX_MANAGED_POLICY_ARNS = 50
# Tags per resource; key 1-128 and value 0-256 characters of TAG_TEXT_PATTERN.
MAX_TAGS = 200

# Trust anchor, profile and CRL names.
NAME_PATTERN = re.compile(r"^[ a-zA-Z0-9_-]{1,255}$")
TAG_TEXT_PATTERN = re.compile(r"^[ a-zA-Z0-9_.:/=+@-]*$")
# Resource ids as the service issues them (lower-case UUIDs).
UUID = r"[a-f0-9]{8}-([a-z0-9]{4}-){3}[a-z0-9]{12}"
UUID_PATTERN = re.compile(r"^%s$" % UUID)

# ARNs: aws, aws-cn, aws-us-gov, aws-iso-b, ... partitions; 12-digit accounts; IAM names and paths.
_PARTITION = r"aws(-[a-z]+)*"
_ACCOUNT = r"[0-9]{12}"
_IAM_PATH_AND_NAME = r"[A-Za-z0-9+=,.@_/-]+"
_SERVICE_ID = r"[A-Za-z0-9-]+"
_ARN_SHAPES = {
    "trust-anchor": (
        r"rolesanywhere:[a-z0-9-]+:{account}:trust-anchor/{id}",
        "arn:aws:rolesanywhere:REGION:ACCOUNT:trust-anchor/ID",
    ),
    "profile": (r"rolesanywhere:[a-z0-9-]+:{account}:profile/{id}", "arn:aws:rolesanywhere:REGION:ACCOUNT:profile/ID"),
    "role": (r"iam::{account}:role/{name}", "arn:aws:iam::ACCOUNT:role/NAME"),
    "policy": (
        r"iam::({account}|aws):policy/{name}",
        "arn:aws:iam::ACCOUNT:policy/NAME (or arn:aws:iam::aws:policy/NAME)",
    ),
    "acm-pca": (
        r"acm-pca:[a-z0-9-]+:{account}:certificate-authority/{id}",
        "arn:aws:acm-pca:REGION:ACCOUNT:certificate-authority/ID",
    ),
}


def arn_pattern(kind, resource_id=_SERVICE_ID):
    """The compiled pattern of an ARN of ``kind``; ``resource_id`` narrows the id part (UUID for what the service made)."""
    shape = _ARN_SHAPES[kind][0].format(account=_ACCOUNT, id=resource_id, name=_IAM_PATH_AND_NAME)
    return re.compile(r"^arn:%s:%s$" % (_PARTITION, shape))


ARN_PATTERNS = dict((kind, arn_pattern(kind)) for kind in _ARN_SHAPES)
# How each ARN is written, for error messages.
ARN_FORMS = dict((kind, shape[1]) for kind, shape in _ARN_SHAPES.items())
# A trust anchor ARN the service issued: its id is a UUID (what aws:SourceArn conditions compare against).
TRUST_ANCHOR_ARN_PATTERN = arn_pattern("trust-anchor", UUID)
