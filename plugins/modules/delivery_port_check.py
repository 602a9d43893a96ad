#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: delivery_port_check
short_description: Check that the ports of serve services are free or held by their own unit
version_added: 1.0.0
description:
  - For each serve service (a unit of the credential_helper role per service user and AWS profile), tries to bind its
    port on 127.0.0.1. A port that binds is free. A port that does not is traced to the processes listening on it
    through C(/proc/net/tcp), C(/proc/net/tcp6) and C(/proc/<pid>/fd).
  - A port held only by the unit's own process (systemd's main PID of the unit, or a process of the unit's user running
    the unit's command line, as installed or as about to be installed) is fine. Any other holder fails the task with a
    message naming the port, the unit, the holder (pid, user, command line) when it can be seen, and the fix.
  - A port that no program listens on but that a connection uses as its local end (the kernel hands ports of its
    ephemeral range to outgoing connections, and a closed connection keeps its port for up to a minute) is tried again
    for a few seconds. Where it stays held, the task warns and goes on, since no program owns the port and the unit's
    restarts (C(Restart=on-failure)) bind it once it is released. The warning says how to reserve the serve ports.
  - Reads only; nothing is changed. Only root sees every process; run unprivileged, a foreign holder is reported
    without its name.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  services:
    description:
      - The serve services of the host.
    type: list
    elements: dict
    required: true
    suboptions:
      port:
        description: The TCP port the service listens on.
        type: int
        required: true
      unit:
        description: The unit's file name, for the messages and for systemd's main PID.
        type: str
        required: true
      user:
        description: The user the unit runs as.
        type: str
        required: true
      command:
        description:
          - The command line the unit will run (its ExecStart, without systemd's escapes). A process of O(services[].user)
            running it is the unit's own.
        type: str
      unit_path:
        description:
          - The installed unit file. A process running its current ExecStart is the unit's own too (the command line
            may be about to change).
        type: path
      host:
        description: The address the service binds.
        type: str
        default: 127.0.0.1
  service_manager:
    description:
      - V(systemd) also asks systemd for the main PID of each unit.
    type: str
    choices: [systemd, none]
    default: none
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
"""

EXAMPLES = r"""
- name: Make sure nothing else listens on the serve port
  hybridcloud.rolesanywhere.delivery_port_check:
    services:
      - port: 49512
        unit: rolesanywhere-credentials-app-workload.service
        user: app
        command: /opt/rolesanywhere/bin/aws_signing_helper serve --port 49512 --certificate /home/app/cert.pem ...
        unit_path: /etc/systemd/system/rolesanywhere-credentials-app-workload.service
    service_manager: systemd
"""

RETURN = r"""
ports:
  description: One entry per service.
  returned: always
  type: list
  elements: dict
  contains:
    port:
      description: The port.
      type: int
    unit:
      description: The unit.
      type: str
    state:
      description:
        - V(free), V(own) (held by the unit's own process), V(connection) (held by a connection's local end, no
          listener, which the task warns about) or V(taken) (another listener, which fails the task).
      type: str
    holders:
      description: The processes listening on the port that could be seen (pid, uid, user, argv).
      type: list
      elements: dict
  sample: [{"port": 49512, "unit": "rolesanywhere-credentials-app-workload.service", "state": "free", "holders": []}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import delivery_port

SERVICE_SPEC = dict(
    port=dict(type="int", required=True),
    unit=dict(type="str", required=True),
    user=dict(type="str", required=True),
    command=dict(type="str"),
    unit_path=dict(type="path"),
    host=dict(type="str", default="127.0.0.1"),
)


def systemd_main_pids(module, unit):
    """The unit's main PID as systemd knows it (empty when systemd does not run it)."""
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        return ()
    rc, stdout, _stderr = module.run_command([systemctl, "show", "--property", "MainPID", "--value", unit])
    value = stdout.strip()
    return (int(value),) if rc == 0 and value.isdigit() and int(value) > 0 else ()


def check_service(module, service):
    if not 1 <= service["port"] <= 65535:
        module.fail_json(
            msg="services[].port of unit %s must be between 1 and 65535 (found %d): set delivery_port or "
            "rolesanywhere_delivery_port_range to valid ports." % (service["unit"], service["port"])
        )
    main_pids = systemd_main_pids(module, service["unit"]) if module.params["service_manager"] == "systemd" else ()
    commands = [service["command"], delivery_port.unit_exec_start(service["unit_path"])]
    state = delivery_port.port_state(
        service["port"], service["user"], commands, host=service["host"], main_pids=main_pids
    )
    state["unit"] = service["unit"]
    return state


def main():
    module = AnsibleModule(
        argument_spec=dict(
            services=dict(type="list", elements="dict", required=True, options=SERVICE_SPEC),
            service_manager=dict(type="str", choices=["systemd", "none"], default="none"),
        ),
        supports_check_mode=True,
    )
    ports = []
    problems = []
    for service in module.params["services"]:
        state = check_service(module, service)
        ports.append(state)
        if state["state"] == "taken":
            problems.append(delivery_port.taken_message(service, state))
        elif state["state"] == "connection":
            module.warn(delivery_port.connection_warning(service, state))
    if problems:
        module.fail_json(msg=" ".join(problems), ports=ports)
    module.exit_json(changed=False, ports=ports)


if __name__ == "__main__":
    main()
