"""Every ansible-core release the collection claims runs the main job: onboard (then again, unchanged) and verify, on
two local hosts against the stand-in, with that release's ansible-playbook as the controller.

The releases are listed in ansible-core-versions.txt next to this file; `make core-venvs` installs each into
build/ansible-core-<version>. A release without its virtualenv is skipped with the reason, or fails where
ROLESANYWHERE_REQUIRE_CORE_VERSIONS=1 (CI), so CI cannot pass by skipping one.
"""

import glob
import os
import subprocess
import sys

import pytest

from support import local_fleet
from support.ansible_run import COLLECTIONS_ROOT, REPO, run_playbook

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTS = ["core-a", "core-b"]


def claimed_versions():
    with open(os.path.join(HERE, "ansible-core-versions.txt"), encoding="utf-8") as handle:
        return [line.split()[0] for line in handle if line.strip() and not line.startswith("#")]


def _venv_bin(version):
    bin_dir = os.path.join(REPO, "build", "ansible-core-" + version, "bin")
    if not os.path.exists(os.path.join(bin_dir, "ansible-playbook")):
        reason = "no virtualenv for ansible-core %s; run `make core-venvs`" % version
        if os.environ.get("ROLESANYWHERE_REQUIRE_CORE_VERSIONS") == "1":
            pytest.fail(reason + " (ROLESANYWHERE_REQUIRE_CORE_VERSIONS=1 makes this a failure)", pytrace=False)
        pytest.skip(reason)
    return bin_dir


def _collections_path():
    """This checkout as hybridcloud.rolesanywhere, and amazon.aws & co. from the `ansible` package in .venv."""
    (site_packages,) = glob.glob(os.path.join(REPO, ".venv", "lib", "python3*", "site-packages"))
    return os.pathsep.join([COLLECTIONS_ROOT, site_packages])


@pytest.mark.parametrize("version", claimed_versions())
def test_onboard_and_verify_on_each_claimed_ansible_core(version, localaws, tmp_path):
    bin_dir = _venv_bin(version)
    reported = subprocess.run(
        [os.path.join(bin_dir, "ansible"), "--version"], capture_output=True, text=True, check=True
    )
    assert "[core %s]" % version in reported.stdout

    names = {
        "rolesanywhere_trust_anchor_name": "core-" + version.replace(".", "-"),
        "rolesanywhere_profile_name": "core-" + version.replace(".", "-"),
        "rolesanywhere_role_name": "core-" + version.replace(".", "-"),
    }
    variables = local_fleet.variables(localaws, tmp_path, **names)
    env = local_fleet.environment(localaws, tmp_path)
    env["ANSIBLE_COLLECTIONS_PATH"] = _collections_path()
    # The AWS CLI and the hosts' Python come from .venv, as on a controller whose hosts have their own Python.
    env["PATH"] = os.pathsep.join([bin_dir, os.path.dirname(sys.executable), os.environ.get("PATH", "")])

    def run(playbook):
        return run_playbook(
            "hybridcloud.rolesanywhere." + playbook,
            tmp_path=tmp_path,
            bin_dir=bin_dir,
            inventory=local_fleet.inventory(tmp_path, HOSTS),
            extra_vars=variables,
            env=env,
        )

    first = run("onboard")
    assert first.rc == 0, first.explain()
    again = run("onboard")
    assert again.rc == 0, again.explain()
    assert again.changed == 0, [r["task"] for r in again.results if r["result"].get("changed")]
    # Every release templates the trust role's one decision and enroll's CA hand-over the same way: on the unchanged
    # run no control-plane module runs, and enroll does not check the CA the trust play has just checked.
    steps = ("hybridcloud.rolesanywhere.trust : Ensure", "hybridcloud.rolesanywhere.enroll : Ensure the local CA")
    ran_again = [
        r["task"].split(" : ")[-1]
        for r in again.results
        if r["task"].startswith(steps) and not r["result"].get("skipped")
    ]
    assert ran_again == ["Ensure the local CA whose certificate the trust anchor holds"], ran_again
    verified = run("verify")
    assert verified.rc == 0, verified.explain()
    for host in HOSTS:
        assert (
            ":assumed-role/core-%s/" % version.replace(".", "-")
            in verified.action("verify_access", host)["assumed_role_arn"]
        )
