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
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# build/ for the collection (its FQCN imports), tests/ for the shared test support (support.*). The stand-in is the
# installed localaws package (`make setup`), started as its own process.
sys.path[:0] = [os.path.join(REPO, "build"), os.path.join(REPO, "tests")]

RESULTS = os.path.join(REPO, "benchmarks", "results.md")
SECTION_START = "<!-- verify-quota: written by benchmarks/verify_quota.py -->"
SECTION_END = "<!-- /verify-quota -->"


def install_python_program(work):
    """The credential-process program exactly as the credential_helper role installs it."""
    from support.ansible_run import run_playbook

    install_dir = os.path.join(work, "bin")
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": False,
             "tasks": [{"name": "install the program", "ansible.builtin.include_role": {
                 "name": "hybridcloud.rolesanywhere.credential_helper", "tasks_from": "install_python"}}],
             "vars": {"rolesanywhere_signing_helper": "python", "rolesanywhere_signing_helper_install_dir": install_dir,
                      "rolesanywhere_python_interpreter": sys.executable}}]
    result = run_playbook(play, tmp_path=work)
    if result.rc != 0:
        raise RuntimeError(result.explain())
    return os.path.join(install_dir, "rolesanywhere-credential-process")


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
    return ("verify, %d hosts, forks %d, %s" % (hosts, forks, label),
            "%.0f s wall; %d CreateSession admitted, %d throttled (429) and retried; %d host(s) failed%s" % (
                wall, outcomes["success"], quota["throttled"], len(failed), (": " + ", ".join(failed)) if failed else ""))


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
        codes = list(pool.map(lambda command: subprocess.run(command, env=env, capture_output=True, check=False).returncode,
                              commands))
    wall = time.monotonic() - started
    quota = quota_state(server)
    outcomes = quota_fleet.session_outcomes(server, trust.trust_anchor_arn)
    return ("burst: %d credential-process calls at once, %s" % (hosts, label),
            "%.1f s wall; %d CreateSession admitted, %d throttled (429) and retried; %d call(s) failed" % (
                wall, outcomes["success"], quota["throttled"], sum(1 for code in codes if code != 0)))


def helper_version(path):
    completed = subprocess.run([path, "version"], capture_output=True, text=True, check=False)
    return completed.stdout.strip() or "?"


def write_section(rows, argv):
    lines = [SECTION_START, "", "## verify under the CreateSession quota", "",
             "Measured %s on %s, %d cores, Python %s, with `%s`; the stand-in enforces 10 CreateSession per second "
             "(token bucket, burst 10)." % (
                 datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), platform.machine(),
                 os.cpu_count(), platform.python_version(), " ".join(["benchmarks/verify_quota.py"] + argv)),
             "", "| Measurement | Result |", "|---|---|"]
    lines += ["| %s | %s |" % row for row in rows]
    lines += ["", SECTION_END]
    with open(RESULTS, encoding="utf-8") as handle:
        text = handle.read()
    if SECTION_START in text:
        before, _old, after = text.partition(SECTION_START)
        after = after.partition(SECTION_END)[2]
        text = before.rstrip("\n") + "\n\n" + "\n".join(lines) + after
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    with open(RESULTS, "w", encoding="utf-8") as handle:
        handle.write(text)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=50)
    args = parser.parse_args(argv)
    from localaws.process import start_server
    from support import quota_fleet

    rows = []
    with tempfile.TemporaryDirectory(dir=os.path.join(REPO, "build")) as work:
        server = start_server(os.path.join(work, "localaws"))
        try:
            program = install_python_program(work)
            rows.append(measure(server, work, "Python program", program, args.hosts, args.forks))
            rows.append(measure_burst(server, work, "Python program", program, args.hosts))
            if os.access(quota_fleet.OFFICIAL_HELPER, os.X_OK):
                label = "official helper %s" % helper_version(quota_fleet.OFFICIAL_HELPER)
                rows.append(measure(server, work, label, quota_fleet.OFFICIAL_HELPER, args.hosts, args.forks))
                rows.append(measure_burst(server, work, label, quota_fleet.OFFICIAL_HELPER, args.hosts))
            else:
                absent = "not measured: build/official-helper/aws_signing_helper is absent (make official-helper)"
                rows.append(("verify with the official helper", absent))
        finally:
            server.stop()
    for row in rows:
        print("%-60s %s" % row)
    write_section(rows, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
