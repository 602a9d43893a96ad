# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trust_state_unchanged filter; its documentation is in trust_state_unchanged.yml next to this file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError


def trust_state_unchanged(current, kind, params):
    # Imported on use, not with the file: a template that names any of the collection's filters loads every filter
    # file of the collection in each host's worker, and trust_state brings botocore and boto3 (about 0.3 s per
    # worker) into tasks that never call this filter.
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import trust_state

    if kind not in trust_state.CHECKS:
        raise AnsibleFilterError(
            "hybridcloud.rolesanywhere.trust_state_unchanged: kind must be one of {0}, got {1!r}".format(
                ", ".join(sorted(trust_state.CHECKS)), kind
            )
        )
    return trust_state.unchanged(current, kind, params)


class FilterModule(object):
    def filters(self):
        return {"trust_state_unchanged": trust_state_unchanged}
