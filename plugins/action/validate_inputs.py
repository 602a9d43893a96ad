# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side input check: the first task of every role, before any host or AWS API is touched."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import input_rules

ARGUMENT_SPEC = dict(inputs=dict(type="dict", required=True))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars or {})
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        inputs = args["inputs"]
        unknown = sorted(name for name in inputs if name not in input_rules.RULES)
        if unknown:
            raise AnsibleActionFail(
                "validate_inputs has no rule for %s; known variables: %s"
                % (", ".join(unknown), ", ".join(sorted(input_rules.RULES)))
            )
        errors = input_rules.check_inputs(inputs)
        result.update(changed=False, checked=sorted(inputs), errors=errors)
        if errors:
            result.update(failed=True, msg="Invalid input, nothing was changed: " + " | ".join(errors))
        else:
            result["msg"] = "%d inputs pass their rules" % len(inputs)
        return result
