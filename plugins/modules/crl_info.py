#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: crl_info
short_description: List IAM Roles Anywhere CRLs
version_added: 1.0.0
description:
  - Return one CRL by id or ARN, the CRLs with a given name, or all CRLs of the account and region.
  - The items have the same shape as the C(crl) result of M(hybridcloud.rolesanywhere.crl), tags included.
  - Read-only; safe in check mode.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  crl_id:
    description:
      - Id (UUID) or ARN of one CRL. Takes precedence over O(name).
    type: str
    aliases: [crl_arn]
  trust_anchor_arn:
    description:
      - Return only the CRLs of this trust anchor (ARN or id).
    type: str
seealso:
  - module: hybridcloud.rolesanywhere.crl
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
  - hybridcloud.rolesanywhere.resource.info
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: All CRLs
  hybridcloud.rolesanywhere.crl_info:
  register: all_crls

- name: The CRLs called onprem-root-ca-crl
  hybridcloud.rolesanywhere.crl_info:
    name: onprem-root-ca-crl
  register: named

- name: One CRL by ARN
  hybridcloud.rolesanywhere.crl_info:
    crl_id: arn:aws:rolesanywhere:us-east-1:123456789012:crl/2b7f6f1e-1f4e-4a55-8d7e-2a9d5c0c9e11

- name: The CRLs of one trust anchor
  hybridcloud.rolesanywhere.crl_info:
    trust_anchor_arn: arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45
"""

RETURN = r"""
crls:
  description:
    - The CRLs found, each shaped like the C(crl) result of M(hybridcloud.rolesanywhere.crl).
    - Empty when none matched.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "onprem-root-ca-crl", "crl_id": "2b7f6f1e-1f4e-4a55-8d7e-2a9d5c0c9e11", "enabled": true}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.crl_resource import normalize_crl
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    CRL,
    TRUST_ANCHOR,
    RolesAnywhereError,
    describe_resources,
    info_argument_spec,
    resource_id_from,
)


def main():
    module = AnsibleAWSModule(
        argument_spec=info_argument_spec(CRL, trust_anchor_arn=dict(type="str")), supports_check_mode=True
    )
    anchor = module.params.get("trust_anchor_arn")
    keep = None
    if anchor:
        try:
            anchor_id = resource_id_from(anchor, TRUST_ANCHOR)
        except RolesAnywhereError as error:
            module.fail_json(msg=f"trust_anchor_arn: {error.message}")

        def keep(crl):
            return crl.get("trustAnchorArn", "").endswith("/" + anchor_id)

    describe_resources(module, CRL, "crl_id", normalize_crl, keep=keep)


if __name__ == "__main__":
    main()
