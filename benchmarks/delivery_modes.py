"""CreateSession calls per host and hour of each delivery mode, measured on local hosts against the stand-in.

  .venv/bin/python benchmarks/delivery_modes.py [--hosts 10] [--seconds 300] [--print-only]

Session duration 900 s (the service's minimum). serve and update run the collection's program on every host with the
refresh window scaled from 60-600 s to 780-840 s before expiry, so a run of minutes shows many refreshes; process runs
credential-process as process starts would (the official helper: one call per start; the program with its cache,
max age scaled to 30 s). Each measured rate is compared with delivery_quota's formula at the same settings, and the
formula then gives the rate at the real settings, for 1,000 and 50,000 hosts. The rows replace the "delivery modes"
section of benchmarks/results.md and leave the rest of the file alone.
"""

import argparse
import datetime
import os
import platform
import sys
import threading

from stand_in_bench import install_python_program, official_helper, replace_section, stand_in

SECTION_START = "<!-- delivery-modes: written by benchmarks/delivery_modes.py -->"
SECTION_END = "<!-- /delivery-modes -->"
WINDOW, MIN_LEAD = 840, 780  # scaled refresh window of the accelerated run
REAL_WINDOW, REAL_MIN_LEAD = 600, 60  # the role's defaults
STARTS_PER_HOUR = 12  # the process estimate of the extrapolation
CACHE_MAX_AGE, START_INTERVAL = 30, 6


def fleet_rate(per_host_hour, hosts):
    return "%.2f/s" % (per_host_hour * hosts / 3600.0)


def run(server, work, hosts, seconds, official):
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import delivery_quota
    from support import delivery_fleet

    program = install_python_program(work)
    results = {}

    def long_running(mode):
        fleet = delivery_fleet.Fleet(server, os.path.join(work, mode), hosts)
        times, wall = fleet.run_long_running(program, mode, seconds, WINDOW, MIN_LEAD)
        # The mean interval between a host's calls is the unbiased measure; counting calls in a window of a few
        # intervals undercounts the last, partial one.
        gaps = delivery_fleet.gaps(times)
        results[mode] = (3600.0 / (sum(gaps) / len(gaps)) if gaps else 0.0, wall, sum(map(len, times.values())))

    threads = [threading.Thread(target=long_running, args=(mode,)) for mode in ("serve", "update")]
    for thread in threads:
        thread.start()
    starts = max(2, int(60 / START_INTERVAL))
    process_hosts = max(2, hosts // 2)
    fleet = delivery_fleet.Fleet(server, os.path.join(work, "process-python"), process_hosts)
    times, wall = fleet.run_process(program, starts, START_INTERVAL, ["--cache-max-age", str(CACHE_MAX_AGE)])
    calls = sum(map(len, times.values()))
    results["process-python"] = (calls / float(process_hosts) * 3600.0 / wall, wall, calls)
    if official:
        fleet = delivery_fleet.Fleet(server, os.path.join(work, "process-official"), process_hosts)
        times, wall = fleet.run_process(official, starts, START_INTERVAL)
        calls = sum(map(len, times.values()))
        results["process-official"] = (calls / float(process_hosts * starts), wall, calls)
    for thread in threads:
        thread.join()

    rows = []
    accelerated = delivery_quota.calls_per_hour("serve", "python", 900, WINDOW, MIN_LEAD)
    for mode in ("serve", "update"):
        measured, wall, calls = results[mode]
        real = delivery_quota.calls_per_hour(mode, "python", 900, REAL_WINDOW, REAL_MIN_LEAD)
        real_3600 = delivery_quota.calls_per_hour(mode, "python", 3600, REAL_WINDOW, REAL_MIN_LEAD)
        rows.append(
            (
                "%s, Python program" % mode,
                "%d hosts, %.0f s, window %d-%d s: %d calls, mean interval %.1f per host-hour (formula %.1f)"
                % (hosts, wall, MIN_LEAD, WINDOW, calls, measured, accelerated),
                "%.2f (900 s); %.2f (3,600 s)" % (real, real_3600),
                "%s; %s" % (fleet_rate(real, 1000), fleet_rate(real_3600, 1000)),
                "%s; %s" % (fleet_rate(real, 50000), fleet_rate(real_3600, 50000)),
            )
        )
    measured, wall, calls = results["process-python"]
    formula = 3600.0 / (CACHE_MAX_AGE + START_INTERVAL)
    real = delivery_quota.calls_per_hour("process", "python", 900, starts_per_hour=STARTS_PER_HOUR, cache_max_age=900)
    rows.append(
        (
            "process, Python program (cache)",
            "%d hosts, a start every %d s for %.0f s, cache %d s: %d calls, %.0f per host-hour (formula %.0f)"
            % (process_hosts, START_INTERVAL, wall, CACHE_MAX_AGE, calls, measured, formula),
            "%.2f (%d starts/h, cache 900 s)" % (real, STARTS_PER_HOUR),
            fleet_rate(real, 1000),
            fleet_rate(real, 50000),
        )
    )
    if official:
        per_start, wall, calls = results["process-official"]
        real = delivery_quota.calls_per_hour("process", "official", 900, starts_per_hour=STARTS_PER_HOUR)
        rows.append(
            (
                "process, official helper",
                "%d hosts x %d starts: %d calls, %.2f per start" % (process_hosts, starts, calls, per_start),
                "%.0f (%d starts/h)" % (real * per_start, STARTS_PER_HOUR),
                fleet_rate(real * per_start, 1000),
                fleet_rate(real * per_start, 50000),
            )
        )
    for mode in ("serve", "update"):
        real = delivery_quota.calls_per_hour(mode, "official", 900)
        real_3600 = delivery_quota.calls_per_hour(mode, "official", 3600)
        rows.append(
            (
                "%s, official helper" % mode,
                "not accelerated (its refresh points are fixed: %d s before expiry); formula only"
                % delivery_quota.OFFICIAL_LEAD[mode],
                "%.2f (900 s); %.2f (3,600 s)" % (real, real_3600),
                "%s; %s" % (fleet_rate(real, 1000), fleet_rate(real_3600, 1000)),
                "%s; %s" % (fleet_rate(real, 50000), fleet_rate(real_3600, 50000)),
            )
        )
    return rows


def write_section(rows, argv):
    lines = [
        SECTION_START,
        "",
        "## CreateSession calls per host and hour, by delivery mode",
        "",
        "Measured %s on %s, %d cores, Python %s, with `%s`, against the stand-in (quota 10/s on). Sessions of 900 s; "
        "the accelerated run refreshes 780-840 s before expiry so that minutes show many refreshes, and the "
        "measured rate is compared with `delivery_quota`'s formula at those settings. The last three columns "
        "apply the formula at the role's defaults (window 60-600 s; process: 12 starts an hour). The quota is "
        "10/s per account and region."
        % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            platform.machine(),
            os.cpu_count(),
            platform.python_version(),
            " ".join(["benchmarks/delivery_modes.py"] + argv),
        ),
        "",
        "| Mode | Accelerated run (measured) | Per host and hour | 1,000 hosts | 50,000 hosts |",
        "|---|---|---|---|---|",
    ]
    lines += ["| %s | %s | %s | %s | %s |" % row for row in rows]
    lines += ["", SECTION_END]
    replace_section(SECTION_START, SECTION_END, lines)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument(
        "--print-only",
        action="store_true",
        help="print the rows without rewriting benchmarks/results.md (for short trial runs)",
    )
    args = parser.parse_args(argv)
    with stand_in() as (server, work):
        rows = run(server, work, args.hosts, args.seconds, official_helper())
    if args.print_only:
        print("benchmarks/results.md left as it is (--print-only)", file=sys.stderr)
    else:
        write_section(rows, argv)
    for row in rows:
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
