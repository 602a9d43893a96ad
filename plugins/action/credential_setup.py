# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""credential_setup: one module call per host, and a second one only when the host needs the program's content.

The program is about 90 KB. The first call carries its pinned digest, not its content; a host whose copy is current
(every host on a re-run) answers in that one call. A host that reports its copy missing or different has changed
nothing yet and gets a second call with the content, which it checks against the same digest before installing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

MODULE = "hybridcloud.rolesanywhere.credential_setup"


def without_content(module_args):
    program = module_args.get("program")
    if not program:
        return module_args
    return dict(module_args, program=dict((key, value) for key, value in program.items() if key != "content"))


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        module_args = dict(self._task.args)
        try:
            answer = self._execute_module(module_name=MODULE, module_args=without_content(module_args), task_vars=task_vars)
            if answer.get("program_needed") and not answer.get("failed"):
                answer = self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)
                answer["program_sent"] = True
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        # The echo of the arguments would repeat the whole program in every verbose log.
        invocation = answer.get("invocation", {}).get("module_args")
        if invocation:
            answer["invocation"]["module_args"] = without_content(invocation)
        result.update(answer)
        return result
