#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: validate_inputs
short_description: Check role inputs against the rules of IAM Roles Anywhere, IAM, X.509 and the AWS CLI before any change
version_added: 1.0.0
description:
  - Runs on the controller only (an action plugin); it connects to no host and calls no AWS API.
  - Each role of the collection runs it as its first task, so that a value the service, IAM, X.509 or the AWS CLI would
    refuse stops the role before a resource is created or a file is written, with a message that names the variable,
    the rule and the fix.
  - Every variable name in O(inputs) must have a rule; the rules are the collection's own list (common names of at most
    64 characters without control characters, IDNA-encodable DNS names, http(s) endpoint URLs without spaces, session
    durations of 900 to 43200 seconds, AWS profile names without C(]) or line breaks, profile settings that do not
    override C(credential_process), C(region) or endpoints, the CA directory not being a file, ARNs of the right kind,
    and so on).
  - All failing inputs are reported at once, those of O(role)'s argument specs first.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  inputs:
    description:
      - Role variable name to its value, for example C(rolesanywhere_session_duration=100).
      - A name the collection has no rule for is refused (a mistake in the calling role).
    type: dict
    required: true
  role:
    description:
      - A role of this collection (V(trust), V(enroll), V(credential_helper), V(verify)) whose variables are also checked
        against the options of its C(meta/argument_specs.yml), as ansible-core checks them before a role runs (types,
        choices, required values).
      - The collection's roles set it in their first task, so a playbook can import them with C(rolespec_validate=false)
        and save the separate validation task on every host; the collection's onboard and verify playbooks do.
    type: str
    version_added: 1.1.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - hybridcloud.rolesanywhere.attributes.no_diff
  - hybridcloud.rolesanywhere.attributes.action
notes:
  - Supports check mode (it changes nothing in any mode).
seealso:
  - module: hybridcloud.rolesanywhere.certificate_request
"""

EXAMPLES = r"""
- name: Check the role's inputs before any change
  hybridcloud.rolesanywhere.validate_inputs:
    inputs:
      rolesanywhere_common_name: "{{ rolesanywhere_common_name }}"
      rolesanywhere_dns_names: "{{ rolesanywhere_dns_names }}"
      rolesanywhere_session_duration: "{{ rolesanywhere_session_duration }}"

- name: Check the enroll role's variables against its argument specs and its inputs against their rules
  hybridcloud.rolesanywhere.validate_inputs:
    role: enroll
    inputs:
      rolesanywhere_common_name: "{{ rolesanywhere_common_name }}"
"""

RETURN = r"""
checked:
  description: The variable names that were checked, sorted.
  returned: always
  type: list
  elements: str
  sample: [rolesanywhere_common_name, rolesanywhere_session_duration]
errors:
  description: One message per input that breaks its rule (the task fails when there is any).
  returned: always
  type: list
  elements: str
  sample: ["rolesanywhere_session_duration is 100; the lifetime of Roles Anywhere credentials ... must be from 900 to 43200"]
"""
