# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trust_policy filter; its documentation is in trust_policy.yml next to this file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_policy import (
    TrustPolicyError,
    render_trust_policy,
)


def trust_policy(trust_anchor_arns, subject=None, issuer=None, source_account=None, allow_any_trust_anchor=False):
    try:
        return render_trust_policy(
            trust_anchor_arns,
            subject=subject,
            issuer=issuer,
            source_account=source_account,
            allow_any_trust_anchor=bool(allow_any_trust_anchor),
        )
    except TrustPolicyError as error:
        raise AnsibleFilterError(f"hybridcloud.rolesanywhere.trust_policy: {error}")


class FilterModule(object):
    def filters(self):
        return {"trust_policy": trust_policy}
