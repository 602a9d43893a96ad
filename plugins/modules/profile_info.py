#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profile_info
short_description: List IAM Roles Anywhere profiles
version_added: 1.0.0
description:
  - Return one profile by id or ARN, the profiles with a given name, or all profiles of the account and region.
  - The items have the same shape as the C(profile) result of M(hybridcloud.rolesanywhere.profile), tags included.
  - Read-only; safe in check mode.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  profile_id:
    description:
      - Id (UUID) or ARN of one profile. Takes precedence over O(name).
    type: str
    aliases: [profile_arn]
seealso:
  - module: hybridcloud.rolesanywhere.profile
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
  - hybridcloud.rolesanywhere.resource.info
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: All profiles
  hybridcloud.rolesanywhere.profile_info:
  register: all_profiles

- name: The profiles called redshift-readers
  hybridcloud.rolesanywhere.profile_info:
    name: redshift-readers
  register: named

- name: One profile by ARN
  hybridcloud.rolesanywhere.profile_info:
    profile_id: arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f0a2f6e-88c2-4f39-9d1c-1c1a3f7a2b11
"""

RETURN = r"""
profiles:
  description:
    - The profiles found, each shaped like the C(profile) result of M(hybridcloud.rolesanywhere.profile).
    - Empty when none matched.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "redshift-readers", "profile_id": "6f0a2f6e-88c2-4f39-9d1c-1c1a3f7a2b11", "enabled": true, "duration_seconds": 3600}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.profile_resource import normalize_profile
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    PROFILE,
    describe_resources,
    info_argument_spec,
)


def main():
    module = AnsibleAWSModule(argument_spec=info_argument_spec(PROFILE), supports_check_mode=True)
    describe_resources(module, PROFILE, "profile_id", normalize_profile)


if __name__ == "__main__":
    main()
