"""Helpers for host file safety tests: local hosts, enroll runs, running commands as a user, snapshots of trees."""

import os
import subprocess
import sys

from support.ansible_run import run_playbook

ENROLL_PLAY = [{"name": "Enroll", "hosts": "all", "gather_facts": False, "roles": ["hybridcloud.rolesanywhere.enroll"]}]


def local_host(**host_vars):
    entry = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    entry.update(host_vars)
    return entry


def run_enroll(tmp_path, hosts, name, playbook=None, env=None, **extra_vars):
    """Run the enroll role (or ``playbook``) over ``hosts`` (inventory name -> host vars) with the CA under tmp_path."""
    run_dir = tmp_path / name
    run_dir.mkdir()
    variables = {"rolesanywhere_ca_path": str(tmp_path / "ca")}
    variables.update(extra_vars)
    return run_playbook(
        playbook or ENROLL_PLAY,
        tmp_path=run_dir,
        inventory={"all": {"hosts": hosts}},
        extra_vars=variables,
        env=env,
        extra_args=("--forks", str(max(5, len(hosts)))),
    )


def as_user(account, *command):
    """Run ``command`` as ``account`` (runuser: root needs no password); returns the completed process."""
    return subprocess.run(
        ["runuser", "-u", account.pw_name, "--"] + list(command), capture_output=True, text=True, check=False
    )


def snapshot(*roots):
    """Every entry under ``roots``: type, owner, mode, content or link target. What a refused run must not change."""
    state = {}
    for root in roots:
        for directory, directories, files in os.walk(root):
            for entry in [directory] + [os.path.join(directory, name) for name in directories + files]:
                info = os.lstat(entry)
                if os.path.islink(entry):
                    detail = os.readlink(entry)
                elif os.path.isfile(entry):
                    with open(entry, "rb") as handle:
                        detail = handle.read()
                else:
                    detail = None
                state[entry] = (info.st_mode, info.st_uid, info.st_gid, detail)
    return state
