"""What users receive: the built tarball holds the collection and nothing of its development, and the collection's
action group lets one module_defaults entry configure its modules together with amazon.aws's."""

import os
import subprocess
import tarfile

import pytest

from support.ansible_run import BIN, REPO, run_playbook

# What a user of the collection runs or reads. Anything else in the tarball is development material.
SHIPPED_TOP_LEVEL = {
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "LICENSE",
    "CHANGELOG.rst",
    "CONTRIBUTING.md",
    "SECURITY.md",
    "changelogs",
    "docs",
    "meta",
    "playbooks",
    "plugins",
    "roles",
}
DEVELOPMENT_PARTS = {
    "tests",
    "localaws",
    "scripts",
    "extensions",
    "examples",
    "benchmarks",
    "__pycache__",
    ".pytest_cache",
    ".molecule",
    "Makefile",
    "pytest.ini",
    "requirements-test.txt",
    "fragments",
    ".ansible-lint",
    ".ci",
}


@pytest.fixture(scope="module")
def tarball_members(tmp_path_factory):
    output = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(output), REPO],
        check=True,
        capture_output=True,
        text=True,
    )
    (tarball,) = output.glob("hybridcloud-rolesanywhere-*.tar.gz")
    with tarfile.open(tarball) as archive:
        return [member.name for member in archive.getmembers()]


def test_tarball_holds_only_what_users_run_and_read(tarball_members):
    top_level = {name.split("/")[0] for name in tarball_members}
    assert top_level <= SHIPPED_TOP_LEVEL, sorted(top_level - SHIPPED_TOP_LEVEL)
    assert {"LICENSE", "README.md", "plugins", "roles", "playbooks", "meta", "docs"} <= top_level


def test_tarball_has_no_development_files_or_caches_at_any_depth(tarball_members):
    offending = [
        name
        for name in tarball_members
        if DEVELOPMENT_PARTS & set(name.split("/")) or name.endswith((".pyc", ".tar.gz"))
    ]
    assert not offending, offending


def test_one_module_defaults_entry_reaches_this_collection_and_amazon_aws(localaws_reset, tmp_path):
    """group/hybridcloud.rolesanywhere.aws carries the connection settings to trust_anchor_info and to amazon.aws's
    iam_role_info alike: neither gets an endpoint or region from the environment here."""
    server = localaws_reset
    connection = {
        "endpoint_url": server.endpoint,
        "region": server.region,
        "access_key": server.access_key_id,
        "secret_key": server.secret_access_key,
    }
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {"group/hybridcloud.rolesanywhere.aws": connection},
            "tasks": [
                {"name": "anchors", "hybridcloud.rolesanywhere.trust_anchor_info": {}},
                {"name": "roles", "amazon.aws.iam_role_info": {}},
            ],
        }
    ]
    env = {
        key: value for key, value in server.env.items() if key.startswith("AWS_CONFIG") or key.startswith("AWS_SHARED")
    }
    env.update(
        {
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": "",
            "AWS_ACCESS_KEY_ID": "",
            "AWS_SECRET_ACCESS_KEY": "",
            "AWS_REGION": "",
            "AWS_DEFAULT_REGION": "",
        }
    )
    result = run_playbook(play, tmp_path=tmp_path, env=env)
    assert result.rc == 0, result.explain()
    assert result.task("anchors")["trust_anchors"] == []
    assert isinstance(result.task("roles")["iam_roles"], list)
