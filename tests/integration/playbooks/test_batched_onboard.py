"""onboard in batches: progress per batch, one summary line per host, and a failure threshold that stops the rollout.

Local hosts against the stand-in; one host is given an AWS CLI that does not exist, so it fails for real in verify.
"""

import os

from support import local_fleet
from support.ansible_run import run_playbook

# No AWS CLI, and verify told to use it (the default SDK client would not need it).
BROKEN = {"rolesanywhere_awscli_path": "/nonexistent/aws", "rolesanywhere_verify_client": "cli"}


def onboard(localaws, root, hosts, broken_host, **extra_vars):
    inventory = local_fleet.inventory(root, hosts)
    inventory["all"]["children"]["rolesanywhere_hosts"]["hosts"][broken_host].update(BROKEN)
    # Resources of their own per test: the stand-in is shared with the other tests of the run.
    prefix = hosts[0]
    names = {
        "rolesanywhere_trust_anchor_name": prefix + "-anchor",
        "rolesanywhere_profile_name": prefix + "-profile",
        "rolesanywhere_role_name": prefix + "-role",
    }
    variables = dict(local_fleet.variables(localaws, root, **names), **extra_vars)
    # The broken host's CLI path must stay a host variable: an extra var would override it.
    del variables["rolesanywhere_awscli_path"]
    inventory["all"]["children"]["rolesanywhere_hosts"]["vars"] = {
        "rolesanywhere_awscli_path": local_fleet.variables(localaws, root)["rolesanywhere_awscli_path"]
    }
    return run_playbook(
        "hybridcloud.rolesanywhere.onboard",
        tmp_path=root,
        inventory=inventory,
        extra_vars=variables,
        env=local_fleet.environment(localaws, root),
    )


def messages(result, task):
    return [entry["result"]["msg"] for entry in result.results if entry["task"] == task and "msg" in entry["result"]]


def summary_lines(result, hosts):
    """host -> its line of the final summary (one line each, in inventory order)."""
    (lines,) = messages(result, "Summarize every host")
    assert len(lines) == len(hosts), lines
    return {host: line for host, line in zip(hosts, lines) if " %s:" % host in line}


def test_batches_report_progress_and_the_run_ends_with_one_line_per_host(localaws, tmp_path):
    hosts = ["batch-1", "batch-2", "batch-3", "batch-4"]
    result = onboard(localaws, tmp_path, hosts, "batch-3", rolesanywhere_batch_size=2)

    assert result.rc != 0, result.explain()
    assert messages(result, "Report the batch") == ["batch 1 of 2: 2 ok, 0 failed", "batch 2 of 2: 1 ok, 1 failed"]
    lines = summary_lines(result, hosts)
    assert sorted(lines) == hosts
    for host in ("batch-1", "batch-2", "batch-4"):
        assert lines[host].startswith("OK ") and "days left" in lines[host], lines[host]
    assert lines["batch-3"].startswith("FAILED batch-3:"), lines["batch-3"]
    assert "/nonexistent/aws" in lines["batch-3"], lines["batch-3"]
    assert result.stats["batch-3"]["failures"] == 1
    assert all(result.stats[host]["failures"] == 0 for host in ("batch-1", "batch-2", "batch-4"))


def test_a_batch_over_the_failure_threshold_stops_the_rollout(localaws, tmp_path):
    hosts = ["stop-1", "stop-2", "stop-3"]
    result = onboard(
        localaws, tmp_path, hosts, "stop-1", rolesanywhere_batch_size=1, rolesanywhere_max_fail_percentage=0
    )

    assert result.rc != 0, result.explain()
    assert messages(result, "Report the batch") == ["batch 1 of 3: 0 ok, 1 failed; the rollout stops here"]
    lines = summary_lines(result, hosts)
    assert lines["stop-1"].startswith("FAILED stop-1:"), lines["stop-1"]
    for host in ("stop-2", "stop-3"):
        assert lines[host].startswith("NOT RUN " + host), lines[host]
        # The later batches were never touched.
        assert not os.path.exists(os.path.join(local_fleet.host_root(tmp_path, host), "certs")), host
