# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local connection, counting what reaches the "host": benchmarks/fleet_speed.py reads the counts.

Every command run on the host is one line in $ROLESANYWHERE_BENCH_COUNT_DIR/<host>: "module" when it runs a module
(piped in with pipelining, or an AnsiballZ file without), "command" for the other commands (temporary directories,
permissions), "put" and "fetch" for file transfers. Over SSH each line is a round trip. Tasks that run on the
controller (set_fact, assert, debug, tasks delegated to localhost) never reach this connection, so they do not count.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: counting_local
short_description: The local connection, counting the commands and transfers per host (benchmarks only)
description:
  - Behaves as ansible.builtin.local and appends one line per command or file transfer to
    E(ROLESANYWHERE_BENCH_COUNT_DIR)/<host>, where <host> is the host's ansible_host.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
extends_documentation_fragment:
  - connection_pipelining
"""

import fcntl
import os

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = "counting_local"

    def _count(self, kind):
        directory = os.environ.get("ROLESANYWHERE_BENCH_COUNT_DIR")
        if not directory:
            return
        host = os.path.basename(self._play_context.remote_addr or "unknown")
        with open(os.path.join(directory, host), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(kind + "\n")

    def exec_command(self, cmd, in_data=None, sudoable=True):
        runs_module = in_data is not None or "AnsiballZ_" in (cmd or "")
        self._count("module" if runs_module else "command")
        return super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)

    def put_file(self, in_path, out_path):
        self._count("put")
        return super(Connection, self).put_file(in_path, out_path)

    def fetch_file(self, in_path, out_path):
        self._count("fetch")
        return super(Connection, self).fetch_file(in_path, out_path)
