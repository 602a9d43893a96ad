"""Remote module calls per host of `onboard`, counted (not estimated) by the counting connection of the benchmarks.

An unchanged re-run makes 2 module calls per host: the single host step (credential_setup with the enrolment step:
key, CSR, certificate state, signing helper, AWS profiles) and verify_access. A first run makes at most 4: the host
step twice (the program or the pushed helper sent in its second call), certificate_install and verify_access. Checked
with the collection's program and with the official helper pushed from the controller.
"""

import hashlib
import os

import pytest

from support import local_fleet
from support.ansible_run import REPO, run_playbook

CONNECTION_PLUGINS = os.path.join(REPO, "benchmarks", "connection_plugins")
OFFICIAL_HELPER = os.path.join(REPO, "build", "official-helper", "aws_signing_helper")
HOSTS = ("calls-1", "calls-2")
FIRST_RUN_LIMIT = 4
RERUN_LIMIT = 2


def module_calls(directory):
    """host -> number of module runs that reached it."""
    calls = {}
    for host in os.listdir(directory):
        with open(os.path.join(directory, host), encoding="utf-8") as handle:
            calls[host] = sum(1 for line in handle if line.strip() == "module")
    return calls


def tasks_on(result, host):
    """The tasks that ran on the host, to show when a count is over its target."""
    return [task.split(" : ")[-1] for task in result.remote_calls(host)]


def within(result, calls, limit):
    return all(count <= limit for count in calls.values())


def over(result, calls, limit):
    return "; ".join("%s: %s" % (host, " | ".join(tasks_on(result, host))) for host in calls)


def helper_variables(helper):
    if helper == "python":
        return {"rolesanywhere_signing_helper": "python"}
    if not os.path.isfile(OFFICIAL_HELPER):
        pytest.skip("the official helper is not built (make official-helper)")
    with open(OFFICIAL_HELPER, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return {
        "rolesanywhere_signing_helper": "official",
        "rolesanywhere_signing_helper_src": OFFICIAL_HELPER,
        "rolesanywhere_signing_helper_checksum": "sha256:" + digest,
    }


def counted_onboard(localaws, root, helper, run_name):
    hosts = ["%s-%s" % (host, helper) for host in HOSTS]
    inventory = local_fleet.inventory(root, hosts)
    for name, host in inventory["all"]["children"]["rolesanywhere_hosts"]["hosts"].items():
        host.update(ansible_connection="counting_local", ansible_host=name)
    counts = os.path.join(str(root), "counts", run_name)
    os.makedirs(counts)
    env = local_fleet.environment(localaws, root)
    env.update(ANSIBLE_CONNECTION_PLUGINS=CONNECTION_PLUGINS, ROLESANYWHERE_BENCH_COUNT_DIR=counts)
    names = {
        "rolesanywhere_trust_anchor_name": "calls-%s-anchor" % helper,
        "rolesanywhere_profile_name": "calls-%s-profile" % helper,
        "rolesanywhere_role_name": "calls-%s-role" % helper,
    }
    variables = dict(local_fleet.variables(localaws, root, **names), **helper_variables(helper))
    result = run_playbook(
        "hybridcloud.rolesanywhere.onboard", tmp_path=root, inventory=inventory, extra_vars=variables, env=env
    )
    assert result.rc == 0, result.explain()
    calls = module_calls(counts)
    assert sorted(calls) == sorted(hosts), calls
    return result, calls


@pytest.mark.parametrize("helper", ["python", "official"])
def test_onboard_makes_few_remote_calls_per_host(localaws, tmp_path, helper):
    first, first_calls = counted_onboard(localaws, tmp_path, helper, "first")
    assert within(first, first_calls, FIRST_RUN_LIMIT), (first_calls, over(first, first_calls, FIRST_RUN_LIMIT))

    again, again_calls = counted_onboard(localaws, tmp_path, helper, "again")
    assert again.changed == 0, again.explain()
    assert within(again, again_calls, RERUN_LIMIT), (again_calls, over(again, again_calls, RERUN_LIMIT))
