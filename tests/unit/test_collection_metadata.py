"""The collection's metadata agrees with its content."""

import os

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load(relative):
    with open(os.path.join(REPO, relative), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _aws_modules():
    """Modules built on AnsibleAWSModule: the ones module_defaults for group/aws must reach."""
    modules_dir = os.path.join(REPO, "plugins", "modules")
    names = set()
    for filename in os.listdir(modules_dir):
        if filename.endswith(".py") and filename != "__init__.py":
            with open(os.path.join(modules_dir, filename), encoding="utf-8") as handle:
                if "AnsibleAWSModule(" in handle.read():
                    names.add(filename[:-3])
    return names


def test_galaxy_identity():
    galaxy = _load("galaxy.yml")
    assert (galaxy["namespace"], galaxy["name"]) == ("hybridcloud", "rolesanywhere")
    assert "amazon.aws" in galaxy["dependencies"]


def test_build_ignores_local_state():
    ignored = set(_load("galaxy.yml")["build_ignore"])
    assert {".venv", "build", "__pycache__", ".pytest_cache", "tests/output"} <= ignored


def test_aws_action_group_lists_exactly_the_aws_modules():
    group = set(_load("meta/runtime.yml")["action_groups"]["aws"] or [])
    assert group == _aws_modules(), "the aws action group must list every AnsibleAWSModule module and nothing else"


def test_every_role_has_argument_specs():
    roles_dir = os.path.join(REPO, "roles")
    for role in os.listdir(roles_dir):
        assert os.path.exists(os.path.join(roles_dir, role, "meta", "argument_specs.yml")), role
