#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: trust_anchor
short_description: Manage IAM Roles Anywhere trust anchors
version_added: 1.0.0
description:
  - Create, update, enable, disable and delete an IAM Roles Anywhere trust anchor, the CA (a PEM certificate bundle
    or an AWS Private CA) whose certificates may request AWS credentials.
  - The trust anchor is found by O(name). The service does not keep names unique; when several trust anchors share
    the name the module fails and lists their ids, and O(trust_anchor_id) addresses one exactly.
  - A certificate bundle is checked before any API call; every certificate must be a CA (basicConstraints CA:true),
    allow keyCertSign, be signed with SHA-256 or stronger, be valid now and have a strong key.
  - Notification settings are changed in place; events you do not list keep their current setting unless
    O(purge_notification_settings=true).
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  trust_anchor_id:
    description:
      - Id (UUID) or ARN of an existing trust anchor, to address it exactly instead of by O(name).
    type: str
    aliases: [trust_anchor_arn]
  enabled:
    description:
      - Whether certificates chaining to this trust anchor may request credentials.
    type: bool
    default: true
  certificate_bundle:
    description:
      - PEM content (not a path) of the CA certificate(s) to trust. Source type C(CERTIFICATE_BUNDLE).
      - Required to create a trust anchor unless O(acm_pca_arn) is given.
      - Compared certificate by certificate, so re-wrapped PEM text is not a change.
      - Adding certificates to the bundle of an existing trust anchor is allowed (the first step of a CA rotation);
        a bundle that would drop a certificate the trust anchor holds today is refused unless O(replace=true).
    type: str
  append:
    description:
      - Add the certificates of O(certificate_bundle) that the existing trust anchor's bundle lacks, keeping the others
        (the first step of a CA rotation with overlap). Running it again changes nothing.
      - A trust anchor that does not exist yet is created with O(certificate_bundle) as given.
    type: bool
    default: false
  replace:
    description:
      - Allow the change of source to drop a CA the existing trust anchor trusts (a certificate of its bundle, or its
        Private CA), or to switch the source type.
      - Every host certificate issued by a dropped CA is refused from then on; the error without it names the CAs
        concerned. To change CAs without locking hosts out, rotate with overlap (add the new CA to the bundle, re-enroll
        the hosts, then remove the old CA with O(replace=true)).
    type: bool
    default: false
  acm_pca_arn:
    description:
      - ARN of an AWS Private CA to trust. Source type C(AWS_ACM_PCA).
    type: str
  notification_settings:
    description:
      - Expiry notification settings to apply to the trust anchor.
      - When omitted, notification settings are not managed.
    type: list
    elements: dict
    suboptions:
      event:
        description: The event the setting applies to.
        type: str
        required: true
        choices: [CA_CERTIFICATE_EXPIRY, END_ENTITY_CERTIFICATE_EXPIRY]
      threshold:
        description:
          - Days before expiry to notify (1-360). When omitted the current threshold is kept.
        type: int
      enabled:
        description: Whether notifications for the event are sent.
        type: bool
        default: true
      channel:
        description: The notification channel.
        type: str
        choices: [ALL]
        default: ALL
  purge_notification_settings:
    description:
      - When V(true), customised notification settings not listed in O(notification_settings) are reset to the
        service defaults (enabled, 45 days).
    type: bool
    default: false
notes:
  - A change that would drop a CA the trust anchor trusts fails before any change, also in check mode, unless O(replace=true).
  - Check mode makes no change and calls only read operations. With C(--diff) the module shows the trust anchor
    before and after.
  - Trust anchors cannot be associated with profiles; the IAM role's trust policy binds a role to a trust anchor
    through C(aws:SourceArn). See the P(hybridcloud.rolesanywhere.trust_policy#filter) filter.
seealso:
  - module: hybridcloud.rolesanywhere.trust_anchor_info
  - module: hybridcloud.rolesanywhere.profile
  - module: hybridcloud.rolesanywhere.crl
  - name: IAM Roles Anywhere trust model
    description: How trust anchors, profiles and roles fit together.
    link: https://docs.aws.amazon.com/rolesanywhere/latest/userguide/trust-model.html
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
- name: Trust the on-prem CA created by hybridcloud.rolesanywhere.certificate_authority
  hybridcloud.rolesanywhere.trust_anchor:
    name: onprem-root-ca
    certificate_bundle: "{{ lookup('ansible.builtin.file', '/etc/pki/rolesanywhere/ca.pem') }}"
    notification_settings:
      - event: CA_CERTIFICATE_EXPIRY
        threshold: 60
    tags:
      team: data-platform
  register: anchor

- name: Trust an AWS Private CA instead
  hybridcloud.rolesanywhere.trust_anchor:
    name: private-ca
    acm_pca_arn: arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/0b1c2d3e-1111-2222-3333-444455556666

- name: Disable a trust anchor (certificates under it can no longer get credentials)
  hybridcloud.rolesanywhere.trust_anchor:
    name: onprem-root-ca
    enabled: false

- name: Delete one of two trust anchors that share a name
  hybridcloud.rolesanywhere.trust_anchor:
    trust_anchor_id: 5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45
    state: absent
"""

RETURN = r"""
trust_anchor:
  description: The trust anchor after the change (as it would be, in check mode). Null when absent.
  returned: always
  type: dict
  contains:
    trust_anchor_arn:
      description: ARN of the trust anchor; use it in role trust policies (C(aws:SourceArn)) and credential profiles.
      type: str
      returned: when the trust anchor exists
      sample: arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45
    trust_anchor_id:
      description: Id (UUID) of the trust anchor.
      type: str
      returned: when the trust anchor exists
      sample: 5c2bdbd8-0fb9-4bd1-9f4a-2cbbd2cd6b45
    name:
      description: Name of the trust anchor.
      type: str
      returned: always
      sample: onprem-root-ca
    enabled:
      description: Whether the trust anchor is enabled.
      type: bool
      returned: always
      sample: true
    source:
      description: Source type and data (C(x509_certificate_data) or C(acm_pca_arn)).
      type: dict
      returned: always
      sample: {"source_type": "CERTIFICATE_BUNDLE", "source_data": {"x509_certificate_data": "-----BEGIN CERTIFICATE-----..."}}
    notification_settings:
      description: Notification settings of the trust anchor.
      type: list
      elements: dict
      returned: always
      sample: [{"event": "CA_CERTIFICATE_EXPIRY", "channel": "ALL", "enabled": true, "threshold": 60, "configured_by": "123456789012"}]
    tags:
      description: Tags of the trust anchor.
      type: dict
      returned: always
      sample: {"team": "data-platform"}
    created_at:
      description: When the trust anchor was created (ISO 8601).
      type: str
      returned: when the trust anchor exists
      sample: "2026-01-01T12:00:00+00:00"
    updated_at:
      description: When the trust anchor was last updated (ISO 8601).
      type: str
      returned: when the trust anchor exists
      sample: "2026-01-01T12:00:00+00:00"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    TRUST_ANCHOR,
    manage_resource,
    resource_argument_spec,
)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_anchor_resource import (
    ensure_trust_anchor_present,
    normalize_trust_anchor,
    validate_trust_anchor_params,
)


def main():
    argument_spec = resource_argument_spec(
        TRUST_ANCHOR,
        certificate_bundle=dict(type="str"),
        acm_pca_arn=dict(type="str"),
        notification_settings=dict(
            type="list",
            elements="dict",
            options=dict(
                event=dict(
                    type="str", required=True, choices=["CA_CERTIFICATE_EXPIRY", "END_ENTITY_CERTIFICATE_EXPIRY"]
                ),
                threshold=dict(type="int"),
                enabled=dict(type="bool", default=True),
                channel=dict(type="str", choices=["ALL"], default="ALL"),
            ),
        ),
        purge_notification_settings=dict(type="bool", default=False),
        append=dict(type="bool", default=False),
        replace=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[("name", "trust_anchor_id")],
        mutually_exclusive=[("certificate_bundle", "acm_pca_arn")],
    )
    manage_resource(
        module,
        TRUST_ANCHOR,
        "trust_anchor_id",
        validate_trust_anchor_params,
        ensure_trust_anchor_present,
        normalize_trust_anchor,
    )


if __name__ == "__main__":
    main()
