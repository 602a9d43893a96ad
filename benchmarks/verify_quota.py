"""verify of a local fleet at high forks under the stand-in's CreateSession quota (10 per second per account and
Region), with the collection's Python program and, when built, the official helper.

  .venv/bin/python benchmarks/verify_quota.py [--hosts 50] [--forks 50]

For each helper: wall time of the verify playbook, CreateSession calls the stand-in admitted, requests it throttled
(every one retried by the client when no host failed), hosts that failed. Ansible's own start-up spreads the calls of a
verify run; a second row starts every host's helper at the same moment, the quota's worst case. The rows replace the "verify under the
CreateSession quota" section of benchmarks/results.md and leave the rest of the file alone.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys

from stand_in_bench import install_python_program, official_helper, replace_section, stand_in

SECTION_START = "<!-- verify-quota: written by benchmarks/verify_quota.py -->"
SECTION_END = "<!-- /verify-quota -->"


def quota_state(server):
    return server._admin("GET", "quota")  # pylint: disable=protected-access


def measure(server, work, label, helper, hosts, forks):
    from support import quota_fleet

    root = os.path.join(work, label.replace(" ", "-"))
    os.makedirs(root)
    inventory, variables, trust = quota_fleet.build(server, root, hosts, helper)
    server._admin("POST", "quota", {"enabled": True})  # pylint: disable=protected-access  # full bucket, zero counters
    result, wall = quota_fleet.run_verify(server, root, inventory, variables, forks)
    quota = quota_state(server)
    outcomes = quota_fleet.session_outcomes(server, trust.trust_anchor_arn)
    failed = sorted(host for host, stats in result.stats.items() if stats.get("failures") or stats.get("unreachable"))
    return (
        "verify, %d hosts, forks %d, %s" % (hosts, forks, label),
        "%.0f s wall; %d CreateSession admitted, %d throttled (429) and retried; %d host(s) failed%s"
        % (wall, outcomes["success"], quota["throttled"], len(failed), (": " + ", ".join(failed)) if failed else ""),
    )


def measure_burst(server, work, label, helper, hosts):
    """Every host's helper started at the same moment, without Ansible in between: the quota's worst case."""
    import configparser
    import shlex
    import time
    from concurrent.futures import ThreadPoolExecutor

    from support import local_fleet, quota_fleet

    root = os.path.join(work, "burst-" + label.replace(" ", "-"))
    os.makedirs(root)
    inventory, _variables, trust = quota_fleet.build(server, root, hosts, helper)
    commands = []
    for host in inventory["all"]["children"]["rolesanywhere_hosts"]["hosts"]:
        config = configparser.RawConfigParser()
        config.read(os.path.join(local_fleet.host_root(root, host), "aws", "config"))
        commands.append(shlex.split(config.get("profile " + quota_fleet.PROFILE, "credential_process")))
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(root, "cache"), ROLESANYWHERE_CREDENTIAL_CACHE="off")
    server._admin("POST", "quota", {"enabled": True})  # pylint: disable=protected-access
    started = time.monotonic()
    with ThreadPoolExecutor(hosts) as pool:
        codes = list(
            pool.map(
                lambda command: subprocess.run(command, env=env, capture_output=True, check=False).returncode, commands
            )
        )
    wall = time.monotonic() - started
    quota = quota_state(server)
    outcomes = quota_fleet.session_outcomes(server, trust.trust_anchor_arn)
    return (
        "burst: %d credential-process calls at once, %s" % (hosts, label),
        "%.1f s wall; %d CreateSession admitted, %d throttled (429) and retried; %d call(s) failed"
        % (wall, outcomes["success"], quota["throttled"], sum(1 for code in codes if code != 0)),
    )


def helper_version(path):
    completed = subprocess.run([path, "version"], capture_output=True, text=True, check=False)
    return completed.stdout.strip() or "?"


def write_section(rows, argv):
    lines = [
        SECTION_START,
        "",
        "## verify under the CreateSession quota",
        "",
        "Measured %s on %s, %d cores, Python %s, with `%s`; the stand-in enforces 10 CreateSession per second "
        "(token bucket, burst 10)."
        % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            platform.machine(),
            os.cpu_count(),
            platform.python_version(),
            " ".join(["benchmarks/verify_quota.py"] + argv),
        ),
        "",
        "| Measurement | Result |",
        "|---|---|",
    ]
    lines += ["| %s | %s |" % row for row in rows]
    lines += ["", SECTION_END]
    replace_section(SECTION_START, SECTION_END, lines)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=50)
    args = parser.parse_args(argv)
    rows = []
    with stand_in() as (server, work):
        program = install_python_program(work)
        rows.append(measure(server, work, "Python program", program, args.hosts, args.forks))
        rows.append(measure_burst(server, work, "Python program", program, args.hosts))
        official = official_helper()
        if official:
            label = "official helper %s" % helper_version(official)
            rows.append(measure(server, work, label, official, args.hosts, args.forks))
            rows.append(measure_burst(server, work, label, official, args.hosts))
        else:
            absent = "not measured: build/official-helper/aws_signing_helper is absent (make official-helper)"
            rows.append(("verify with the official helper", absent))
    for row in rows:
        print("%-60s %s" % row)
    write_section(rows, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
