"""The collection's credential-process program, installed once per test session exactly as the role installs it.

Shared by the credential_helper and delivery tests: their conftest files import the ``program`` fixture from here.
"""

import sys

import pytest

from support.ansible_run import run_playbook

PROGRAM_NAME = "rolesanywhere-credential-process"


def install_program(work):
    """Run the role's install_python tasks into work/bin (a pathlib.Path); the installed program's path."""
    install_dir = work / "bin"
    play = [
        {
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "install the program",
                    "ansible.builtin.include_role": {
                        "name": "hybridcloud.rolesanywhere.credential_helper",
                        "tasks_from": "install_python",
                    },
                }
            ],
            "vars": {
                "rolesanywhere_signing_helper": "python",
                "rolesanywhere_signing_helper_install_dir": str(install_dir),
                "rolesanywhere_python_interpreter": sys.executable,
            },
        }
    ]
    result = run_playbook(play, tmp_path=work)
    if result.rc != 0:
        raise RuntimeError(result.explain())
    return str(install_dir / PROGRAM_NAME)


@pytest.fixture(scope="session")
def program(tmp_path_factory):
    """The credential-process program exactly as the role installs it (built from the collection's sources)."""
    return install_program(tmp_path_factory.mktemp("program"))
