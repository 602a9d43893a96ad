"""The collection's metadata agrees with its content."""

import json
import os
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load(relative):
    with open(os.path.join(REPO, relative), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _plugins_containing(plugin_dir, marker):
    directory = os.path.join(REPO, "plugins", plugin_dir)
    names = set()
    for filename in os.listdir(directory):
        if filename.endswith(".py") and filename != "__init__.py":
            with open(os.path.join(directory, filename), encoding="utf-8") as handle:
                if marker in handle.read():
                    names.add(filename[:-3])
    return names


def _aws_modules():
    """What module_defaults for group/aws must reach: AnsibleAWSModule modules and action plugins that call AWS."""
    return _plugins_containing("modules", "AnsibleAWSModule(") | _plugins_containing("action", "import boto3")


def _requirements(relative):
    """The requirements of a pip requirements file, without comments and blank lines."""
    from packaging.requirements import Requirement

    with open(os.path.join(REPO, relative), encoding="utf-8") as handle:
        return [Requirement(line.strip()) for line in handle if line.strip() and not line.startswith("#")]


def test_galaxy_identity():
    galaxy = _load("galaxy.yml")
    assert (galaxy["namespace"], galaxy["name"]) == ("hybridcloud", "rolesanywhere")
    assert "amazon.aws" in galaxy["dependencies"]


def test_build_ignores_local_state_and_development_files():
    ignored = set(_load("galaxy.yml")["build_ignore"])
    assert {
        ".venv",
        "build",
        "__pycache__",
        "*/__pycache__",
        ".pytest_cache",
        "tests",
        "scripts",
        "Makefile",
    } <= ignored


def _aws_group():
    return _load("meta/runtime.yml")["action_groups"]["aws"]


def test_aws_action_group_lists_exactly_the_aws_modules():
    members = {entry for entry in _aws_group() if isinstance(entry, str)}
    assert members == _aws_modules(), "the aws action group must list every plugin that calls AWS and nothing else"


def test_aws_action_group_extends_the_aws_collections_groups():
    """One module_defaults entry reaches the amazon.aws IAM modules the trust role calls as well as this collection's."""
    metadata = [entry["metadata"] for entry in _aws_group() if isinstance(entry, dict)]
    assert metadata == [{"extend_group": ["amazon.aws.aws", "community.aws.aws"]}]


def test_amazon_aws_range_is_bounded_and_admits_the_tested_version():
    """The dependency range must hold the amazon.aws the tests run (the one the pinned `ansible` package carries)."""
    from packaging.specifiers import SpecifierSet

    manifest = next(
        path
        for path in (os.path.join(entry, "ansible_collections", "amazon", "aws", "MANIFEST.json") for entry in sys.path)
        if os.path.exists(path)
    )
    specifier = SpecifierSet(_load("galaxy.yml")["dependencies"]["amazon.aws"].replace(",", ", "))
    assert any(spec.operator == "<" for spec in specifier), (
        "amazon.aws needs an upper bound: a new major may break the modules"
    )
    with open(manifest, encoding="utf-8") as handle:
        tested = json.load(handle)["collection_info"]["version"]
    assert specifier.contains(tested), (str(specifier), tested)


def test_every_role_has_argument_specs():
    roles_dir = os.path.join(REPO, "roles")
    for role in os.listdir(roles_dir):
        assert os.path.exists(os.path.join(roles_dir, role, "meta", "argument_specs.yml")), role


def test_execution_environment_dependencies_admit_the_tested_versions():
    """ansible-builder reads meta/execution-environment.yml; its ranges must admit the versions the tests pin."""
    dependencies = _load("meta/execution-environment.yml")["dependencies"]
    for key in ("python", "system"):
        assert os.path.exists(os.path.join(REPO, dependencies[key])), dependencies[key]
    pinned = {
        requirement.name: next(iter(requirement.specifier)).version for requirement in _requirements("requirements.txt")
    }
    for requirement in _requirements(dependencies["python"]):
        # The execution environment's base image brings Ansible; pins would clash with other collections' needs.
        assert requirement.name not in ("ansible", "ansible-core"), requirement
        assert all(spec.operator == ">=" for spec in requirement.specifier), requirement
        assert requirement.specifier.contains(pinned[requirement.name]), (requirement, pinned[requirement.name])


def test_every_claimed_ansible_core_minor_is_tested():
    """requires_ansible claims a range of minors: the pinned one and each older one must have a tested release."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    claimed = SpecifierSet(_load("meta/runtime.yml")["requires_ansible"])
    pinned = next(
        requirement for requirement in _requirements("requirements.txt") if requirement.name == "ansible-core"
    )
    with open(
        os.path.join(REPO, "tests", "integration", "compat", "ansible-core-versions.txt"), encoding="utf-8"
    ) as handle:
        tested = [Version(line.split()[0]) for line in handle if line.strip() and not line.startswith("#")]
    tested.append(Version(next(iter(pinned.specifier)).version))
    tested_minors = {(version.major, version.minor) for version in tested}
    lowest = min(Version(spec.version) for spec in claimed if spec.operator == ">=")
    newest = max(tested)
    for minor in range(lowest.minor, newest.minor + 1):
        assert (lowest.major, minor) in tested_minors, "ansible-core %d.%d is claimed but not tested" % (
            lowest.major,
            minor,
        )
    assert all(claimed.contains(version) for version in tested)
