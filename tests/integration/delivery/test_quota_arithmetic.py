"""The quota plan's arithmetic against a fleet of local hosts, counted in the stand-in's CreateSession log.

Sessions of 900 s with the refresh window scaled to 780-840 s before expiry: every host refreshes every 60-120 s, so a
run of minutes shows what an hour of real sessions would. The plan says 3600 / (900 - 810) = 40 calls per host and hour.
"""

import statistics
import threading

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import delivery_quota
from support import delivery_fleet

WINDOW, MIN_LEAD, SECONDS, HOSTS = 840, 780, 150, 4


def plan_per_host_hour(mode, helper="python", **variables):
    hosts = {
        "h1": dict(
            {
                "rolesanywhere_credential_delivery": mode,
                "rolesanywhere_signing_helper": helper,
                "rolesanywhere_session_duration": 900,
                "rolesanywhere_refresh_window": WINDOW,
                "rolesanywhere_refresh_min_lead": MIN_LEAD,
            },
            **variables,
        )
    }
    (group,) = delivery_quota.plan(hosts)
    return group["calls_per_hour"]


def test_serve_and_update_refresh_as_the_plan_says(localaws, program, tmp_path):
    runs = {}

    def run(mode):
        fleet = delivery_fleet.Fleet(localaws, str(tmp_path / mode), HOSTS)
        runs[mode] = fleet.run_long_running(program, mode, SECONDS, WINDOW, MIN_LEAD)

    threads = [threading.Thread(target=run, args=(mode,)) for mode in ("serve", "update")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for mode, (times, wall) in runs.items():
        assert plan_per_host_hour(mode) == pytest.approx(40.0, abs=0.1)
        gaps = delivery_fleet.gaps(times)
        # Every refresh falls inside the window; the hosts do not refresh in step.
        assert gaps and all(900 - WINDOW - 2 <= gap <= 900 - MIN_LEAD + 5 for gap in gaps), (mode, gaps)
        assert len({round(values[1]) for values in times.values() if len(values) > 1}) > 1, (mode, times)
        # The mean interval is the session less the mean lead, which is what the plan divides by.
        assert statistics.mean(gaps) == pytest.approx(3600.0 / plan_per_host_hour(mode), abs=20), (mode, gaps)
        # Over the run: one call at start, then one per interval.
        assert all(1 <= len(values) - 1 <= SECONDS // (900 - WINDOW) + 1 for values in times.values()), (mode, times)


def test_process_costs_one_call_per_start_with_the_official_helper(localaws, official_helper, tmp_path):
    fleet = delivery_fleet.Fleet(localaws, str(tmp_path / "process"), 2)
    times, _wall = fleet.run_process(official_helper.path, starts=3, interval=0)
    assert [len(values) for values in times.values()] == [3, 3]
    assert plan_per_host_hour("process", helper="official", rolesanywhere_process_starts_per_hour=3) == 3
