"""verify of 50 local hosts at forks 50 passes under the stand-in's CreateSession quota (10 per second), with the
collection's Python program and, when it has been built, the official helper. Bounded in time."""

import os

import pytest

from support import quota_fleet

HOSTS = 50
FORKS = 50
# Measured 2026-12 on 2 cores at about a minute per run; the bound catches a fleet stuck in backoff, not noise.
WALL_LIMIT_SECONDS = 420


def verify_fleet(localaws, root, helper):
    inventory, variables, trust = quota_fleet.build(localaws, root, HOSTS, helper)
    result, wall = quota_fleet.run_verify(localaws, root, inventory, variables, FORKS)
    outcomes = quota_fleet.session_outcomes(localaws, trust.trust_anchor_arn)
    return result, wall, outcomes


def assert_every_host_verified(result, wall, outcomes):
    assert result.rc == 0, result.explain()
    fleet_stats = {host: stats for host, stats in result.stats.items() if host.startswith("q")}
    assert len(fleet_stats) == HOSTS
    assert all(stats.get("failures", 0) == 0 and stats.get("unreachable", 0) == 0 for stats in fleet_stats.values())
    assert outcomes["denied"] == 0 and outcomes["success"] >= HOSTS, outcomes
    assert wall < WALL_LIMIT_SECONDS


def test_fifty_hosts_at_forks_fifty_with_the_python_program(localaws, program, tmp_path):
    result, wall, outcomes = verify_fleet(localaws, tmp_path, program)
    print("python program: %.0f s, CreateSession outcomes %s" % (wall, outcomes))
    assert_every_host_verified(result, wall, outcomes)


@pytest.mark.skipif(
    not os.access(quota_fleet.OFFICIAL_HELPER, os.X_OK),
    reason="the official helper is not built (make official-helper)",
)
def test_fifty_hosts_at_forks_fifty_with_the_official_helper(localaws, tmp_path):
    result, wall, outcomes = verify_fleet(localaws, tmp_path, quota_fleet.OFFICIAL_HELPER)
    print("official helper: %.0f s, CreateSession outcomes %s" % (wall, outcomes))
    assert_every_host_verified(result, wall, outcomes)
