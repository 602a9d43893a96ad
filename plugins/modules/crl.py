#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: crl
short_description: Import and manage IAM Roles Anywhere certificate revocation lists
version_added: 1.0.0
description:
  - Import, update, enable, disable and delete a certificate revocation list (CRL) of an IAM Roles Anywhere trust
    anchor. The service checks revocation only against imported CRLs; it does not fetch CRL distribution points.
  - Before any write the CRL must parse and, when the trust anchor is a certificate bundle, be signed by one of the
    bundle's CAs (the bundle is read with GetTrustAnchor). A CRL that fails either check would revoke nothing.
  - The CRL is found by O(name); when several share the name the module fails and lists their ids, and O(crl_id)
    addresses one exactly. The service allows two CRLs per trust anchor.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  crl_id:
    description:
      - Id (UUID) or ARN of an existing CRL, to address it exactly instead of by O(name).
    type: str
    aliases: [crl_arn]
  trust_anchor_arn:
    description:
      - ARN (or id) of the trust anchor the CRL provides revocation for. Required to import a CRL.
      - A CRL cannot move to another trust anchor; a different value fails with a hint.
    type: str
  crl:
    description:
      - PEM content (not a path) of the CRL. Required to import a CRL. Compared by its DER encoding, so re-wrapped
        PEM text is not a change.
    type: str
  enabled:
    description:
      - Whether the service uses the CRL.
    type: bool
    default: true
notes:
  - Check mode makes no change and calls only read operations. With C(--diff) the module shows the CRL before and after.
seealso:
  - module: hybridcloud.rolesanywhere.crl_info
  - module: hybridcloud.rolesanywhere.trust_anchor
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes
  - hybridcloud.rolesanywhere.resource
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Revoke lost hosts by importing the CRL the controller CA signed
  hybridcloud.rolesanywhere.crl:
    name: onprem-root-ca-crl
    trust_anchor_arn: "{{ anchor.trust_anchor.trust_anchor_arn }}"
    crl: "{{ lookup('ansible.builtin.file', '/etc/pki/rolesanywhere/ca.crl.pem') }}"

- name: Stop using the CRL without deleting it
  hybridcloud.rolesanywhere.crl:
    name: onprem-root-ca-crl
    enabled: false

- name: Delete the CRL
  hybridcloud.rolesanywhere.crl:
    name: onprem-root-ca-crl
    state: absent
"""

RETURN = r"""
crl:
  description: The CRL after the change (as it would be, in check mode). Null when absent.
  returned: always
  type: dict
  contains:
    crl_arn:
      description: ARN of the CRL.
      type: str
      returned: when the CRL exists
      sample: arn:aws:rolesanywhere:us-east-1:123456789012:crl/2b7f6f1e-1f4e-4a55-8d7e-2a9d5c0c9e11
    crl_id:
      description: Id (UUID) of the CRL.
      type: str
      returned: when the CRL exists
      sample: 2b7f6f1e-1f4e-4a55-8d7e-2a9d5c0c9e11
    name:
      description: Name of the CRL.
      type: str
      returned: always
      sample: onprem-root-ca-crl
    enabled:
      description: Whether the CRL is enabled.
      type: bool
      returned: always
      sample: true
    trust_anchor_arn:
      description: The trust anchor the CRL belongs to.
      type: str
      returned: always
      sample: arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45
    crl_data:
      description: The CRL as the service holds it (PEM text).
      type: str
      returned: always
      sample: "-----BEGIN X509 CRL-----..."
    tags:
      description: Tags of the CRL.
      type: dict
      returned: always
      sample: {"team": "data-platform"}
    created_at:
      description: When the CRL was imported (ISO 8601).
      type: str
      returned: when the CRL exists
      sample: "2026-01-01T12:00:00+00:00"
    updated_at:
      description: When the CRL was last updated (ISO 8601).
      type: str
      returned: when the CRL exists
      sample: "2026-01-01T12:00:00+00:00"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.crl_resource import (
    ensure_crl_present,
    normalize_crl,
    validate_crl_params,
)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    CRL,
    manage_resource,
    resource_argument_spec,
)


def main():
    argument_spec = resource_argument_spec(CRL, trust_anchor_arn=dict(type="str"), crl=dict(type="str"))
    module = AnsibleAWSModule(
        argument_spec=argument_spec, supports_check_mode=True, required_one_of=[("name", "crl_id")]
    )
    manage_resource(module, CRL, "crl_id", validate_crl_params, ensure_crl_present, normalize_crl)


if __name__ == "__main__":
    main()
