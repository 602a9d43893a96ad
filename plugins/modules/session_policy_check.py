#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: session_policy_check
short_description: Find role permissions that an IAM Roles Anywhere profile's session policies would block
version_added: 1.0.0
description:
  - A Roles Anywhere profile's managed policies and inline policy are session policies. Vended credentials get only
    what the role allows B(and) the session policies allow, so a role permission the session policies do not allow is
    silently lost (for example C(redshift:GetClusterCredentials) under C(AmazonRedshiftReadOnlyAccess)).
  - This module reads the default version of each managed policy (IAM GetPolicy and GetPolicyVersion), evaluates every
    action on every resource the role is meant to grant, and fails with an explanation when one would be denied, or
    only warns when O(on_blocked=warn).
  - The evaluation follows IAM's rules for Allow, Deny, NotAction, NotResource and wildcards. Statements with a
    Condition cannot be evaluated without a request; they are reported as C(conditional), never as blocking.
  - Read-only; safe in check mode.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  actions:
    description: The actions the role grants and the workload needs, for example V(redshift:DescribeClusters).
    type: list
    elements: str
    required: true
  resources:
    description: The resources the role grants them on.
    type: list
    elements: str
    default: ["*"]
  managed_policy_arns:
    description: The profile's managed policy ARNs.
    type: list
    elements: str
    default: []
  session_policy:
    description: The profile's inline session policy (a dict or a JSON string).
    type: raw
  on_blocked:
    description: V(fail) fails the task when an action would be blocked; V(warn) reports it as a warning.
    type: str
    choices: [fail, warn]
    default: fail
seealso:
  - module: hybridcloud.rolesanywhere.profile
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Refuse the seed article's profile, whose read-only session policy blocks GetClusterCredentials
  hybridcloud.rolesanywhere.session_policy_check:
    actions: [redshift:DescribeClusters, redshift:GetClusterCredentials]
    managed_policy_arns: [arn:aws:iam::aws:policy/AmazonRedshiftReadOnlyAccess]

- name: Only warn
  hybridcloud.rolesanywhere.session_policy_check:
    actions: [redshift:GetClusterCredentials]
    session_policy: "{{ lookup('ansible.builtin.file', 'session-policy.json') }}"
    on_blocked: warn
"""

RETURN = r"""
findings:
  description: One entry per action and resource.
  returned: always
  type: list
  elements: dict
  contains:
    action:
      description: The action.
      type: str
      sample: redshift:GetClusterCredentials
    resource:
      description: The resource.
      type: str
      sample: "*"
    decision:
      description: V(allowed), V(denied) or V(conditional).
      type: str
      sample: denied
    reason:
      description: Which policy decided, and how.
      type: str
      sample: "no statement of AmazonRedshiftReadOnlyAccess allows it (implicit deny)"
blocked_actions:
  description: The actions the session policies would deny.
  returned: always
  type: list
  elements: str
  sample: [redshift:GetClusterCredentials]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.managed_policies import (
    ManagedPolicyError,
    managed_policy_documents,
)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.policy_evaluation import (
    DENIED,
    check_session_policies,
    explain_blocked,
)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.profile_resource import parse_session_policy
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import client_config


def main():
    argument_spec = dict(
        actions=dict(type="list", elements="str", required=True),
        resources=dict(type="list", elements="str", default=["*"]),
        managed_policy_arns=dict(type="list", elements="str", default=[]),
        session_policy=dict(type="raw"),
        on_blocked=dict(type="str", choices=["fail", "warn"], default="fail"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    try:
        inline = parse_session_policy(params["session_policy"])
    except ValueError as error:
        module.fail_json(msg=str(error))
    policies = [("the inline session policy", inline)] if inline else []
    if params["managed_policy_arns"]:
        iam = module.client("iam", retry_decorator=AWSRetry.jittered_backoff(), config=client_config())
        try:
            policies = managed_policy_documents(iam, params["managed_policy_arns"]) + policies
        except ManagedPolicyError as error:
            module.fail_json_aws_error(error)
    findings = check_session_policies(policies, params["actions"], params["resources"])
    blocked = sorted(set(finding["action"] for finding in findings if finding["decision"] == DENIED))
    result = dict(changed=False, findings=findings, blocked_actions=blocked)
    message = explain_blocked(findings, [name for name, _document in policies])
    if message and params["on_blocked"] == "fail":
        module.fail_json(msg=message, **result)
    if message:
        module.warn(message)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
