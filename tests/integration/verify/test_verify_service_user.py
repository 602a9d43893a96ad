"""The role checks the profile as the service user, reached with become when it is not the connecting user."""

import os
import pathlib
import pwd
import shutil
import subprocess
import uuid

import pytest
from verify_world import World, openssl_serial, python_program

from support.x509 import write_file

SYSTEM_PYTHON = "/usr/bin/python3"

VERIFY_TASK = "hybridcloud.rolesanywhere.verify : Prove the AWS profile works as the service user"
RECORD_TASK = "hybridcloud.rolesanywhere.verify : Record the verification result"

pytestmark = pytest.mark.root


@pytest.fixture
def service_user():
    if os.geteuid() != 0:
        pytest.skip("needs root to create a service user and become it")
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip("needs {0} for the service user".format(SYSTEM_PYTHON))
    user = "raverify" + uuid.uuid4().hex[:6]
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", user], check=True)
    yield pwd.getpwnam(user)
    subprocess.run(["userdel", "--remove", user], check=False, stderr=subprocess.DEVNULL)


def chown_tree(path, account):
    for root, directories, files in os.walk(path):
        for entry in [root] + [os.path.join(root, name) for name in directories + files]:
            os.chown(entry, account.pw_uid, account.pw_gid)


def recorded(result):
    return result.task(RECORD_TASK, "host1")["ansible_facts"]["rolesanywhere_verify_result"]


def test_profile_is_checked_as_the_service_user(localaws, service_user):
    home = pathlib.Path(service_user.pw_dir)
    # The test virtualenv's interpreter lives under /root, closed to other users: the service user runs the module,
    # the helper and the AWS CLI with the system Python.
    world = World(localaws, home / "world", python=SYSTEM_PYTHON)
    os.makedirs(str(home / "bin"))
    awscli = write_file(
        str(home / "bin" / "aws"), python_program(SYSTEM_PYTHON, "from awscli.clidriver import main"), 0o755
    )
    chown_tree(str(home), service_user)
    # Root has no sudo here; su reaches the service user without a password. Root's home is closed to that user,
    # so Ansible's temporary files go where both can reach them.
    world.extra_host_vars = {
        "rolesanywhere_service_user": service_user.pw_name,
        "ansible_become_method": "su",
        "ansible_remote_tmp": "/tmp/.ansible-{0}".format(service_user.pw_name),
        "ansible_python_interpreter": SYSTEM_PYTHON,
        "rolesanywhere_awscli_path": awscli,
    }

    result = world.verify()
    assert result.rc == 0, result.explain()
    assert recorded(result)["ok"] is True
    assert result.task(VERIFY_TASK, "host1")["inspection_backend"] in ("cryptography", "openssl")
    assert recorded(result)["certificate"]["serial"] == openssl_serial(world.leaf)
    # The helper ran as the service user: its credential cache belongs to that user.
    cache = home / "world" / "cache" / "hybridcloud-rolesanywhere"
    assert cache.stat().st_uid == service_user.pw_uid

    # A key only root can read is no key for the service user.
    os.chown(world.key_path, 0, 0)
    shutil.rmtree(str(cache))
    result = world.verify()
    assert result.rc != 0
    diagnosis = recorded(result)["diagnosis"]
    assert diagnosis["code"] == "private_key_unreadable"
    assert world.key_path in diagnosis["message"]
