"""The execution environment recipe (examples/execution-environment) builds from the collection's tarball: ansible-builder
turns it into a build context that holds the tarball, the collection's Python and system requirements and the step that
installs the tarball, and the tarball installed from that context is one ansible-builder's introspection reads the same
requirements from. No container engine is needed: `ansible-builder create` writes the context only."""

import os
import re
import shutil
import subprocess

import pytest
import yaml

from support.ansible_run import BIN, REPO

RECIPE = os.path.join(REPO, "examples", "execution-environment")


def _requirement_names(path):
    with open(path, encoding="utf-8") as handle:
        lines = [line.split("#")[0].strip() for line in handle]
    return {re.split(r"[<>=!~ \[]", line)[0].lower() for line in lines if line}


def _pins(path):
    with open(path, encoding="utf-8") as handle:
        return dict(line.strip().split("==") for line in handle if "==" in line and not line.startswith("#"))


@pytest.fixture(scope="module")
def checkout_copy(tmp_path_factory):
    """The recipe, meta/ and a freshly built tarball in dist/, laid out as in a checkout after `make build`."""
    root = tmp_path_factory.mktemp("checkout")
    shutil.copytree(RECIPE, root / "examples" / "execution-environment")
    shutil.copytree(os.path.join(REPO, "meta"), root / "meta")
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(root / "dist"), REPO],
        check=True,
        capture_output=True,
        text=True,
    )
    return root


@pytest.fixture(scope="module")
def context(checkout_copy):
    context = checkout_copy / "context"
    created = subprocess.run(
        [
            os.path.join(BIN, "ansible-builder"),
            "create",
            "--context",
            str(context),
            "--output-filename",
            "Containerfile",
        ],
        cwd=checkout_copy / "examples" / "execution-environment",
        capture_output=True,
        text=True,
        check=False,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    return context


def test_context_holds_the_built_tarball(checkout_copy, context):
    (built,) = (checkout_copy / "dist").glob("hybridcloud-rolesanywhere-*.tar.gz")
    shipped = context / "_build" / "collections" / built.name
    assert shipped.read_bytes() == built.read_bytes()


def test_containerfile_installs_the_tarball_after_its_dependency(context):
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    galaxy_stage = containerfile.split("FROM base AS galaxy", 1)[1].split("FROM base AS builder", 1)[0]
    from_requirements = galaxy_stage.index(
        "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml"
    )
    from_tarball = galaxy_stage.index("collections/hybridcloud-rolesanywhere-*.tar.gz")
    assert from_requirements < from_tarball
    # The builder stage introspects what the galaxy stage installed, with the recipe's own requirement files.
    assert "introspect.py introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile


def test_context_holds_the_collection_python_and_system_requirements(context):
    python = _requirement_names(context / "_build" / "requirements.txt")
    assert {"boto3", "botocore", "cryptography"} <= python
    assert "openssl" in (context / "_build" / "bindep.txt").read_text(encoding="utf-8")
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        declared = yaml.safe_load(handle)["dependencies"]
    assert {entry["name"]: entry["version"] for entry in galaxy["collections"]} == declared


def test_recipe_pins_the_tested_ansible_core_and_runner():
    with open(os.path.join(RECIPE, "execution-environment.yml"), encoding="utf-8") as handle:
        dependencies = yaml.safe_load(handle)["dependencies"]
    pins = _pins(os.path.join(REPO, "requirements.txt"))
    pins.update(_pins(os.path.join(REPO, "requirements-test.txt")))
    assert dependencies["ansible_core"]["package_pip"] == "ansible-core==" + pins["ansible-core"]
    assert dependencies["ansible_runner"]["package_pip"] == "ansible-runner==" + pins["ansible-runner"]


def test_tarball_from_the_context_installs_and_declares_its_requirements(context, tmp_path):
    """The galaxy stage's install, run here offline without the dependency, and the builder stage's introspection of
    the result: the collection brings its own requirements into any execution environment that lists it."""
    collections = tmp_path / "collections"
    # --force: the checkout itself is on ANSIBLE_COLLECTIONS_PATH, so ansible-galaxy would call it installed already.
    installed = subprocess.run(
        " ".join(
            [
                os.path.join(BIN, "ansible-galaxy"),
                "collection",
                "install",
                "--offline",
                "--no-deps",
                "--force",
                "--collections-path",
                str(collections),
                "collections/hybridcloud-rolesanywhere-*.tar.gz",
            ]
        ),
        shell=True,
        cwd=context / "_build",
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (
        collections / "ansible_collections" / "hybridcloud" / "rolesanywhere" / "playbooks" / "onboard.yml"
    ).is_file(), installed.stdout
    introspected = subprocess.run(
        [os.path.join(BIN, "ansible-builder"), "introspect", "--sanitize", str(collections)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert introspected.returncode == 0, introspected.stdout + introspected.stderr
    found = yaml.safe_load(introspected.stdout)
    ours = "# from collection hybridcloud.rolesanywhere"
    assert {"boto3", "botocore", "cryptography"} <= {
        re.split(r"[<>=]", line)[0] for line in found["python"] if line.endswith(ours)
    }, found
    assert any(line.startswith("openssl ") and line.endswith(ours) for line in found["system"]), found
