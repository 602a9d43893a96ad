"""Fixtures for host file safety tests: real service users and a directory they can reach."""

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid

import pytest


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
