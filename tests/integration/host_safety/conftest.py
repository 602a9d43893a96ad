"""Fixtures for host file safety tests: real service users, a directory they can reach, the enroll role."""

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

from support.ansible_run import run_playbook

ENROLL_PLAY = [{"name": "Enroll", "hosts": "all", "gather_facts": False, "roles": ["hybridcloud.rolesanywhere.enroll"]}]


@pytest.fixture
def service_users():
    """make(n) creates n real users with home directories (removed afterwards); root only."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create service users and to write for them")
    created = []

    def make(count):
        accounts = []
        for _index in range(count):
            name = "rahs" + uuid.uuid4().hex[:8]
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", name], check=True)
            created.append(name)
            accounts.append(pwd.getpwnam(name))
        return accounts

    yield make
    for name in created:
        subprocess.run(["userdel", "--remove", name], check=False, stderr=subprocess.DEVNULL)


@pytest.fixture
def shared_root():
    """A directory other users can traverse (pytest's tmp_path sits below a 0700 directory of root)."""
    root = tempfile.mkdtemp(prefix="rolesanywhere-hostsafety-")
    os.chmod(root, 0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


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
    return run_playbook(playbook or ENROLL_PLAY, tmp_path=run_dir, inventory={"all": {"hosts": hosts}}, extra_vars=variables, env=env,
                        extra_args=("--forks", str(max(5, len(hosts)))))


def as_user(account, *command):
    """Run ``command`` as ``account`` (runuser: root needs no password); returns the completed process."""
    return subprocess.run(["runuser", "-u", account.pw_name, "--"] + list(command), capture_output=True, text=True, check=False)


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
