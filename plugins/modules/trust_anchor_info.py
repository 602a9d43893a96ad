#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: trust_anchor_info
short_description: List IAM Roles Anywhere trust anchors
version_added: 1.0.0
description:
  - Return one trust anchor by id or ARN, the trust anchors with a given name, or all trust anchors of the account and region.
  - The items have the same shape as the C(trust_anchor) result of M(hybridcloud.rolesanywhere.trust_anchor), tags included.
  - Read-only; safe in check mode.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  trust_anchor_id:
    description:
      - Id (UUID) or ARN of one trust anchor. Takes precedence over O(name).
    type: str
    aliases: [trust_anchor_arn]
seealso:
  - module: hybridcloud.rolesanywhere.trust_anchor
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
  - hybridcloud.rolesanywhere.resource.info
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: All trust anchors
  hybridcloud.rolesanywhere.trust_anchor_info:
  register: all_trust_anchors

- name: The trust anchors called onprem-root-ca
  hybridcloud.rolesanywhere.trust_anchor_info:
    name: onprem-root-ca
  register: named

- name: One trust anchor by ARN
  hybridcloud.rolesanywhere.trust_anchor_info:
    trust_anchor_id: arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45
"""

RETURN = r"""
trust_anchors:
  description:
    - The trust anchors found, each shaped like the C(trust_anchor) result of M(hybridcloud.rolesanywhere.trust_anchor).
    - Empty when none matched.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "onprem-root-ca", "trust_anchor_id": "5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45", "enabled": true, "tags": {}}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    TRUST_ANCHOR,
    describe_resources,
    info_argument_spec,
)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_anchor_resource import (
    normalize_trust_anchor,
)


def main():
    module = AnsibleAWSModule(argument_spec=info_argument_spec(TRUST_ANCHOR), supports_check_mode=True)
    describe_resources(module, TRUST_ANCHOR, "trust_anchor_id", normalize_trust_anchor)


if __name__ == "__main__":
    main()
