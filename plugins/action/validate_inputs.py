# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side input check: the first task of every role, before any host or AWS API is touched."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import input_rules

ARGUMENT_SPEC = dict(inputs=dict(type="dict", required=True), role=dict(type="str"))

ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


def role_argument_spec(role):
    """The options of ``role``'s main entry point, from the argument specs its documentation is generated from."""
    path = os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml")
    if not os.path.isfile(path):
        raise AnsibleActionFail(
            "validate_inputs: role=%s names no role of this collection (no %s)"
            % (role, os.path.relpath(path, ROLES_DIR))
        )
    with open(path, encoding="utf-8") as handle:
        specs = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # nosec - safe loaders only
    return specs["argument_specs"]["main"]["options"]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def argument_spec_errors(self, role, task_vars):
        """The role's variables against its argument specs, as ansible-core's role validation checks them.

        Done here, in the task that checks the inputs' values anyway, so a playbook may import the role with
        rolespec_validate=false and spare every host the separate validation task.
        """
        spec = role_argument_spec(role)
        values = self._templar.template({name: task_vars[name] for name in spec if name in task_vars})
        outcome = ArgumentSpecValidator(spec).validate(values, validate_role_argument_spec=True)
        return ["%s role: %s" % (role, message) for message in outcome.error_messages]

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        inputs = args["inputs"]
        unknown = sorted(name for name in inputs if name not in input_rules.RULES)
        if unknown:
            raise AnsibleActionFail(
                "validate_inputs has no rule for %s; known variables: %s"
                % (", ".join(unknown), ", ".join(sorted(input_rules.RULES)))
            )
        errors = self.argument_spec_errors(args["role"], task_vars) if args["role"] else []
        errors += input_rules.check_inputs(inputs)
        result.update(changed=False, checked=sorted(inputs), errors=errors)
        if errors:
            result.update(failed=True, msg="Invalid input, nothing was changed: " + " | ".join(errors))
        else:
            result["msg"] = "%d inputs pass their rules" % len(inputs)
        return result
