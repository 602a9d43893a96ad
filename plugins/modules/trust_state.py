#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: trust_state
short_description: Read the trust anchor, IAM role, inline policy, profile and CRL of a Roles Anywhere setup in one call
version_added: 1.0.0
description:
  - Reads, in one process, the current state of every control-plane resource the C(trust) role manages - the trust
    anchor, the IAM role and its inline permissions policy, the Roles Anywhere profile and the CRL - by their names.
  - The C(trust) role runs it first and skips the module of each resource that already holds what the role asks for
    (decided at once by the C(hybridcloud.rolesanywhere.trust_state_changes) filter, which answers for each resource
    as C(hybridcloud.rolesanywhere.trust_state_unchanged) does), so an unchanged run starts one boto3 process instead of
    one per resource.
  - Read-only; safe in check mode.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  trust_anchor_name:
    description: Name of the trust anchor.
    type: str
    required: true
  role_name:
    description: Name of the IAM role.
    type: str
  role_policy_name:
    description: Name of the IAM role's inline permissions policy.
    type: str
  profile_name:
    description: Name of the Roles Anywhere profile.
    type: str
  crl_name:
    description: Name of the CRL; omit it when none is managed.
    type: str
seealso:
  - module: hybridcloud.rolesanywhere.trust_anchor_info
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the current control-plane state
  hybridcloud.rolesanywhere.trust_state:
    trust_anchor_name: onprem-root-ca
    role_name: redshift-reader
    role_policy_name: redshift-read
    profile_name: redshift-reader
  register: state
"""

RETURN = r"""
trust_anchors:
  description: The trust anchors called O(trust_anchor_name), shaped like the result of M(hybridcloud.rolesanywhere.trust_anchor_info).
  returned: always
  type: list
  elements: dict
  sample: []
current:
  description:
    - What each resource holds, in the form the C(trust_state_changes) and C(trust_state_unchanged) filters read; a
      resource that does not exist, or whose name is shared and so cannot be told apart, is null.
    - C(trust_anchor), C(profile) and C(crl) are the service's details with their tags (CRL data in base64);
      C(iam_role) has C(arn), C(assume_role_policy_document), C(max_session_duration) and C(tags); C(iam_policy) is the
      inline policy document.
  returned: always
  type: dict
  sample: {"trust_anchor": null, "iam_role": null, "iam_policy": null, "profile": null, "crl": null}
resources:
  description:
    - The results the C(trust) role uses from a skipped module, each shaped like that module's result -
      C(trust_anchor) and C(profile) like M(hybridcloud.rolesanywhere.trust_anchor) and M(hybridcloud.rolesanywhere.profile)
      return them, C(iam_role) with its C(arn).
  returned: always
  type: dict
  sample: {"trust_anchor": null, "iam_role": null, "profile": null}
"""

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule says what is missing

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import trust_state
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.profile_resource import normalize_profile
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    CRL,
    PROFILE,
    TRUST_ANCHOR,
    AmbiguousNameError,
    RolesAnywhereError,
    _timestamps_as_text,
    client_config,
    list_resources,
    rolesanywhere_client,
    validate_name,
    with_tags,
)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_anchor_resource import (
    normalize_trust_anchor,
)


def named(client, kind, name):
    """Every resource of ``kind`` called ``name``, with tags (a shared name gives several)."""
    if not name:
        return []
    return [
        with_tags(client, kind, resource) for resource in list_resources(client, kind) if resource.get("name") == name
    ]


def only(resources):
    # Two resources of one name: the module itself reports the ambiguity, so it has to run.
    return resources[0] if len(resources) == 1 else None


def read_role(iam, role_name):
    if not role_name:
        return None
    try:
        role = iam.get_role(aws_retry=True, RoleName=role_name)["Role"]
    except botocore.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return None
        raise
    return {
        "arn": role["Arn"],
        "assume_role_policy_document": role.get("AssumeRolePolicyDocument"),
        "max_session_duration": role.get("MaxSessionDuration"),
        "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []),
    }


def read_role_policy(iam, role_name, policy_name):
    if not role_name or not policy_name:
        return None
    try:
        return iam.get_role_policy(aws_retry=True, RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    except botocore.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return None
        raise


def json_safe_crl(crl):
    if crl is None:
        return None
    return _timestamps_as_text(dict(crl, crlData=trust_state.crl_data_as_text(crl.get("crlData"))))


def main():
    argument_spec = dict(
        trust_anchor_name=dict(type="str", required=True),
        role_name=dict(type="str"),
        role_policy_name=dict(type="str"),
        profile_name=dict(type="str"),
        crl_name=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    for option in ("trust_anchor_name", "profile_name", "crl_name"):
        problem = validate_name(module.params[option], field=option)
        if problem:
            module.fail_json(msg=problem)
    client = rolesanywhere_client(module)
    iam = module.client("iam", retry_decorator=AWSRetry.jittered_backoff(), config=client_config())
    try:
        anchors = named(client, TRUST_ANCHOR, module.params["trust_anchor_name"])
        profile = only(named(client, PROFILE, module.params["profile_name"]))
        crl = only(named(client, CRL, module.params["crl_name"]))
    except (AmbiguousNameError, RolesAnywhereError) as error:
        module.fail_json_aws_error(error)
    try:
        role = read_role(iam, module.params["role_name"])
        role_policy = read_role_policy(iam, module.params["role_name"], module.params["role_policy_name"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
        module.fail_json_aws(error, msg="cannot read the IAM role {0} (role_name)".format(module.params["role_name"]))
    anchor = only(anchors)
    module.exit_json(
        changed=False,
        trust_anchors=[normalize_trust_anchor(found) for found in anchors],
        current={
            "trust_anchor": _timestamps_as_text(anchor),
            "iam_role": role,
            "iam_policy": role_policy,
            "profile": _timestamps_as_text(profile),
            "crl": json_safe_crl(crl),
        },
        resources={
            "trust_anchor": normalize_trust_anchor(anchor),
            "iam_role": {"arn": role["arn"]} if role else None,
            "profile": normalize_profile(profile),
        },
    )


if __name__ == "__main__":
    main()
