# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trust_state_changes filter; its documentation is in trust_state_changes.yml next to this file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError


def trust_state_changes(current, desired):
    # Imported on use, as in trust_state_unchanged: trust_state brings botocore and boto3 into the worker, which only
    # the one template that calls this filter should pay for.
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import trust_state

    if not isinstance(desired, dict):
        raise AnsibleFilterError(
            "hybridcloud.rolesanywhere.trust_state_changes: desired must be a dict of resource kind to module options, "
            "got {0}".format(type(desired).__name__)
        )
    unknown = sorted(set(desired) - set(trust_state.CHECKS))
    if unknown:
        raise AnsibleFilterError(
            "hybridcloud.rolesanywhere.trust_state_changes: desired names unknown kinds {0}; kinds are {1}".format(
                ", ".join(unknown), ", ".join(sorted(trust_state.CHECKS))
            )
        )
    return trust_state.kinds_to_ensure(current, desired)


class FilterModule(object):
    def filters(self):
        return {"trust_state_changes": trust_state_changes}
