"""Fixtures of the delivery tests: a world per test (a real service user, removed afterwards)."""

import os

import pytest

from delivery_world import SYSTEM_PYTHON, DeliveryWorld


@pytest.fixture
def delivery_world(localaws, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to create a service user and run its service as that user")
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip("needs %s for the service user" % SYSTEM_PYTHON)
    worlds = []

    def make(mode, helper_vars):
        world = DeliveryWorld(localaws, tmp_path, mode, helper_vars)
        worlds.append(world)
        return world
    yield make
    for world in worlds:
        world.close()


@pytest.fixture(scope="session")
def program(tmp_path_factory):
    """The credential-process program exactly as the role installs it (built from the collection's sources)."""
    import sys

    from support.ansible_run import run_playbook

    work = tmp_path_factory.mktemp("delivery-program")
    install_dir = work / "bin"
    play = [{
        "hosts": "localhost", "connection": "local", "gather_facts": False,
        "tasks": [{"name": "install the program", "ansible.builtin.include_role": {
            "name": "hybridcloud.rolesanywhere.credential_helper", "tasks_from": "install_python"}}],
        "vars": {"rolesanywhere_signing_helper": "python", "rolesanywhere_signing_helper_install_dir": str(install_dir),
                 "rolesanywhere_python_interpreter": sys.executable},
    }]
    result = run_playbook(play, tmp_path=work)
    assert result.rc == 0, result.explain()
    return str(install_dir / "rolesanywhere-credential-process")
