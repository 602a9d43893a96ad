#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: profile
short_description: Manage IAM Roles Anywhere profiles
version_added: 1.0.0
description:
  - Create, update, enable, disable and delete an IAM Roles Anywhere profile, that is the roles a certificate may assume,
    the session duration, the session policies that narrow the role's permissions, and the mapping of certificate
    fields to session tags.
  - The profile is found by O(name). The service does not keep names unique; when several profiles share the name the
    module fails and lists their ids, and O(profile_id) addresses one exactly.
  - O(managed_policy_arns) and O(session_policy) are B(session policies), not grants; they intersect with the role's
    permissions. An action the role allows but a session policy does not (for example C(redshift:GetClusterCredentials)
    under C(AmazonRedshiftReadOnlyAccess)) is denied. M(hybridcloud.rolesanywhere.session_policy_check) finds such cases.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  profile_id:
    description:
      - Id (UUID) or ARN of an existing profile, to address it exactly instead of by O(name).
    type: str
    aliases: [profile_arn]
  enabled:
    description:
      - Whether the profile may be used to request credentials.
    type: bool
    default: true
  role_arns:
    description:
      - ARNs of the IAM roles certificates may assume through this profile (at most 250).
      - Required to create a profile. Compared as a set.
      - With O(purge_role_arns=true) the list replaces the profile's roles, and a role added to the profile outside this
        task is removed (the task warns, naming it, and the diff shows it); with V(false) the roles are added to those the
        profile has.
    type: list
    elements: str
  purge_role_arns:
    description:
      - Whether O(role_arns) replaces the profile's roles (V(true)) or is merged into them (V(false)), keeping roles added by
        hand or by another tool.
    type: bool
    default: true
  duration_seconds:
    description:
      - Lifetime of the credentials the profile vends, 900 to 43200 seconds. The service default is 3600.
    type: int
  managed_policy_arns:
    description:
      - ARNs of managed policies applied as session policies (at most 50). Compared as a set; V([]) removes them all.
    type: list
    elements: str
  session_policy:
    description:
      - Inline session policy, as a dict or a JSON string. Compared as a policy (key order, single values versus
        one-element lists), not as text.
      - The API cannot remove an inline session policy from an existing profile; an empty value then fails with a hint.
    type: raw
  accept_role_session_name:
    description:
      - Whether credential requests may choose the role session name (C(--role-session-name) of the signing helper).
    type: bool
  require_instance_properties:
    description:
      - Reserved by the service for future use. Set only at creation.
    type: bool
  attribute_mappings:
    description:
      - Which certificate fields become session tags, per certificate field. Fields not listed keep their mapping.
      - The service starts a profile with V(x509Subject) C(*), V(x509Issuer) C(*), V(x509SAN) C(DNS), C(URI), C(Name/*).
    type: list
    elements: dict
    suboptions:
      certificate_field:
        description: The certificate field.
        type: str
        required: true
        choices: [x509Subject, x509Issuer, x509SAN]
      specifiers:
        description:
          - The sub-fields to map, for example C(CN) and C(OU), or C(*) for all. V([]) removes the field's mapping.
        type: list
        elements: str
        required: true
notes:
  - Check mode makes no change and calls only read operations. With C(--diff) the module shows the profile before and after.
  - Creating or updating a profile needs C(iam:PassRole) on its roles.
seealso:
  - module: hybridcloud.rolesanywhere.profile_info
  - module: hybridcloud.rolesanywhere.trust_anchor
  - module: hybridcloud.rolesanywhere.session_policy_check
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
- name: Profile for the Redshift reader role, one-hour credentials
  hybridcloud.rolesanywhere.profile:
    name: redshift-readers
    role_arns:
      - arn:aws:iam::123456789012:role/onprem-redshift-reader
    duration_seconds: 3600
    tags:
      team: data-platform
  register: profile

- name: Narrow the sessions with an inline session policy
  hybridcloud.rolesanywhere.profile:
    name: redshift-readers
    session_policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ["redshift:DescribeClusters", "redshift:GetClusterCredentials"]
          Resource: "*"

- name: Map only the subject CN and OU to session tags
  hybridcloud.rolesanywhere.profile:
    name: redshift-readers
    attribute_mappings:
      - certificate_field: x509Subject
        specifiers: [CN, OU]

- name: Delete the profile
  hybridcloud.rolesanywhere.profile:
    name: redshift-readers
    state: absent
"""

RETURN = r"""
profile:
  description: The profile after the change (as it would be, in check mode). Null when absent.
  returned: always
  type: dict
  contains:
    profile_arn:
      description: ARN of the profile, for the signing helper's C(--profile-arn).
      type: str
      returned: when the profile exists
      sample: arn:aws:rolesanywhere:us-east-1:123456789012:profile/6f0a2f6e-88c2-4f39-9d1c-1c1a3f7a2b11
    profile_id:
      description: Id (UUID) of the profile.
      type: str
      returned: when the profile exists
      sample: 6f0a2f6e-88c2-4f39-9d1c-1c1a3f7a2b11
    name:
      description: Name of the profile.
      type: str
      returned: always
      sample: redshift-readers
    enabled:
      description: Whether the profile is enabled.
      type: bool
      returned: always
      sample: true
    role_arns:
      description: Roles that may be assumed through the profile.
      type: list
      elements: str
      returned: always
      sample: ["arn:aws:iam::123456789012:role/onprem-redshift-reader"]
    managed_policy_arns:
      description: Managed session policies.
      type: list
      elements: str
      returned: when set
      sample: ["arn:aws:iam::aws:policy/AmazonRedshiftReadOnlyAccess"]
    session_policy:
      description: Inline session policy as a dict, null when there is none.
      type: dict
      returned: always
      sample: {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "redshift:Describe*", "Resource": "*"}]}
    duration_seconds:
      description: Lifetime of vended credentials in seconds.
      type: int
      returned: always
      sample: 3600
    accept_role_session_name:
      description: Whether requests may choose the role session name.
      type: bool
      returned: when set
      sample: false
    attribute_mappings:
      description: Certificate fields mapped to session tags.
      type: list
      elements: dict
      returned: always
      sample: [{"certificate_field": "x509Subject", "mapping_rules": [{"specifier": "CN"}]}]
    tags:
      description: Tags of the profile.
      type: dict
      returned: always
      sample: {"team": "data-platform"}
    created_at:
      description: When the profile was created (ISO 8601).
      type: str
      returned: when the profile exists
      sample: "2026-01-01T12:00:00+00:00"
    updated_at:
      description: When the profile was last updated (ISO 8601).
      type: str
      returned: when the profile exists
      sample: "2026-01-01T12:00:00+00:00"
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.profile_resource import (
    dropped_role_arns,
    ensure_profile_present,
    normalize_profile,
    validate_profile_params,
)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    PROFILE,
    manage_resource,
    resource_argument_spec,
)


def main():
    argument_spec = resource_argument_spec(
        PROFILE,
        role_arns=dict(type="list", elements="str"),
        duration_seconds=dict(type="int"),
        managed_policy_arns=dict(type="list", elements="str"),
        session_policy=dict(type="raw"),
        accept_role_session_name=dict(type="bool"),
        require_instance_properties=dict(type="bool"),
        attribute_mappings=dict(
            type="list",
            elements="dict",
            options=dict(
                certificate_field=dict(type="str", required=True, choices=["x509Subject", "x509Issuer", "x509SAN"]),
                specifiers=dict(type="list", elements="str", required=True),
            ),
        ),
        purge_role_arns=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec, supports_check_mode=True, required_one_of=[("name", "profile_id")]
    )

    def ensure_present(client, current, params, check_mode):
        dropped = dropped_role_arns(current, params)
        if dropped:
            # Say it: the role list is replaced, and a role someone added by hand stops working for every host.
            module.warn(
                "profile '{0}': role_arns replaces the profile's roles, so it {1} {2}; set purge_role_arns: false "
                "(the trust role: rolesanywhere_profile_roles_mode: merge) to keep roles added outside this task".format(
                    current.get("name"), "would lose" if check_mode else "loses", ", ".join(dropped)
                )
            )
        return ensure_profile_present(client, current, params, check_mode)

    manage_resource(module, PROFILE, "profile_id", validate_profile_params, ensure_present, normalize_profile)


if __name__ == "__main__":
    main()
