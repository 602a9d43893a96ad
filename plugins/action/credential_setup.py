# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""credential_setup: one module call per host, and a second one only when the host needs something sent.

The collection's program is about 90 KB, the official helper many MB. The first call carries digests, not content;
a host whose copy is current (every host on a re-run) answers in that one call. A host that reports the program
missing or different has changed nothing yet and gets a second call with the content, which it checks against the
same pinned digest before installing. An official helper pushed from the controller (official_helper_src) is
checked on the controller, transferred only to a host whose copy differs, and installed by the second call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

MODULE = "hybridcloud.rolesanywhere.credential_setup"


def without_content(module_args):
    program = module_args.get("program")
    if not program:
        return module_args
    return dict(module_args, program=dict((key, value) for key, value in program.items() if key != "content"))


def controller_checksum(path, algorithm):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_source(source, expected):
    """The controller's file against the checksum the host expects; the same words as before any transfer."""
    algorithm, unused, wanted = expected.partition(":")
    if not os.path.isfile(source):
        raise AnsibleActionFail(
            "%s on the controller does not exist, expected %s. Nothing was installed; fix the file or "
            "rolesanywhere_signing_helper_checksum." % (source, expected)
        )
    actual = controller_checksum(source, algorithm)
    if actual != wanted.lower():
        raise AnsibleActionFail(
            "%s on the controller has checksum %s:%s, expected %s. Nothing was installed; fix the file or "
            "rolesanywhere_signing_helper_checksum." % (source, algorithm, actual, expected)
        )


def sent_items(module_args):
    """What a second call carried to the host, for the result."""
    sent = []
    if (module_args.get("program") or {}).get("content") is not None:
        sent.append("program")
    if module_args.get("official_upload"):
        sent.append("official_helper")
    return sent


def merged_answers(first, second):
    """The result of a host's two calls: the second's state, with what the first already changed and reported.

    Only a pushed official helper makes a first call that changed something (the profiles, the enrolment step's new
    key); the second call then finds them done, so its own answer would hide them.
    """
    merged = dict(second)
    merged["changed"] = bool(first.get("changed")) or bool(second.get("changed"))
    if "enrollment" in first and not second.get("failed"):
        merged["enrollment"] = first["enrollment"]
    diffs = (first.get("diff") or []) + (second.get("diff") or [])
    if diffs:
        merged["diff"] = diffs
    return merged


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def _run_module(self, module_args, task_vars):
        return self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)

    def _upload_helper(self, source, module_args):
        tmpdir = self._connection._shell.tmpdir or self._make_tmp_path()
        remote = self._connection._shell.join_path(tmpdir, "aws_signing_helper")
        self._transfer_file(source, remote)
        self._fixup_perms2((tmpdir, remote))
        return dict(module_args, official_upload=remote)

    def _second_call_args(self, answer, module_args, source):
        """The arguments of a second call, or None when the host needs nothing sent."""
        if answer.get("failed"):
            return None
        second = None
        if answer.get("program_needed"):
            second = dict(module_args)
        helper = answer.get("official_helper") or {}
        if source and helper.get("needs_install"):
            check_source(source, helper["checksum"])
            if not self._task.check_mode:
                second = self._upload_helper(source, second or without_content(module_args))
        return second

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        module_args = dict(self._task.args)
        source = module_args.pop("official_helper_src", None)
        if source:
            # Found as ansible.builtin.copy finds a src: relative to the role's or playbook's files directories.
            source = self._find_needle("files", source)
        try:
            answer = self._run_module(without_content(module_args), task_vars)
            second = self._second_call_args(answer, module_args, source)
            if second is not None:
                answer = merged_answers(answer, self._run_module(second, task_vars))
                answer["sent"] = sent_items(second)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        # The echo of the arguments would repeat the whole program in every verbose log.
        invocation = answer.get("invocation", {}).get("module_args")
        if invocation:
            answer["invocation"]["module_args"] = without_content(invocation)
        result.update(answer)
        return result
