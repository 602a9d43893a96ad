#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: quota_plan
short_description: Expected CreateSession rate of an inventory against the IAM Roles Anywhere quota
version_added: 1.0.0
description:
  - Computes, from each host's delivery mode, helper, session duration and refresh window, how many CreateSession calls
    the hosts make per hour and per second in each account and region, compares that with the quota (10 per second
    per account and region unless O(quota_per_second) says otherwise) and says what to change when it does not fit.
  - Pure arithmetic on the controller; it reads and changes nothing. See docs/credential-helper.md, "Choosing a
    delivery mode", for the formulas.
  - A plan fits when it uses at most 80% of the quota, leaving room for bursts (many hosts restarting at once).
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  hosts:
    description:
      - Host name to its variables, as the credential_helper role reads them - C(rolesanywhere_credential_delivery),
        C(rolesanywhere_signing_helper), C(rolesanywhere_session_duration), C(rolesanywhere_refresh_window),
        C(rolesanywhere_refresh_min_lead), C(rolesanywhere_credential_cache_max_age), C(rolesanywhere_profiles),
        C(rolesanywhere_trust_anchor_arn), C(rolesanywhere_region) - plus C(rolesanywhere_process_starts_per_hour), the
        estimated process starts per hour that use the profile in V(process) mode.
      - A variable left out takes the role's default.
    type: dict
    required: true
  quota_per_second:
    description:
      - The CreateSession quota per account and region.
    type: float
    default: 10
  fail_when_exceeded:
    description:
      - Fail when a group does not fit.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
"""

EXAMPLES = r"""
- name: Plan the CreateSession rate of the inventory
  hybridcloud.rolesanywhere.quota_plan:
    hosts: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars))) }}"
  delegate_to: localhost
  run_once: true
  register: plan
"""

RETURN = r"""
fits:
  description: Whether every account and region fits the quota with headroom.
  returned: always
  type: bool
  sample: false
groups:
  description: One entry per account and region.
  returned: always
  type: list
  elements: dict
  contains:
    account:
      description: The account (from the trust anchor ARN), or V(default) when unknown.
      type: str
    region:
      description: The region.
      type: str
    hosts:
      description: Number of hosts.
      type: int
    modes:
      description: Profiles per delivery mode.
      type: dict
    calls_per_hour:
      description: Expected CreateSession calls per hour.
      type: float
    calls_per_second:
      description: The same per second.
      type: float
    utilisation:
      description: Share of the quota used.
      type: float
    fits:
      description: Whether the group stays within 80% of the quota.
      type: bool
    advice:
      description: What to change when it does not fit.
      type: list
      elements: str
summary:
  description: The plan in words, one line per group followed by its advice.
  returned: always
  type: list
  elements: str
  sample: ["123456789012/eu-west-1: 50000 hosts, 315789.5 CreateSession calls an hour = 87.72/s of 10/s (50000 serve): DOES NOT FIT"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import delivery_quota


def main():
    module = AnsibleModule(
        argument_spec=dict(
            hosts=dict(type="dict", required=True),
            quota_per_second=dict(type="float", default=delivery_quota.DEFAULT_QUOTA_PER_SECOND),
            fail_when_exceeded=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    try:
        groups = delivery_quota.plan(module.params["hosts"], module.params["quota_per_second"])
    except delivery_quota.PlanError as exc:
        module.fail_json(msg=str(exc))
    summary = delivery_quota.summary_lines(groups)
    for group in groups:
        group.pop("profiles")
    fits = all(group["fits"] for group in groups)
    if not fits and module.params["fail_when_exceeded"]:
        module.fail_json(
            msg="The inventory does not fit the CreateSession quota: " + " ".join(summary),
            groups=groups,
            summary=summary,
            fits=fits,
        )
    module.exit_json(changed=False, fits=fits, groups=groups, summary=summary)


if __name__ == "__main__":
    main()
