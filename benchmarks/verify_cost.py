"""Where one host's `verify_access` spends its time: the module run whole, then its work split into steps.

  .venv/bin/python benchmarks/verify_cost.py [--runs 20] [--baseline REV] [--fleet N [--fleet-runs 3]] [--record]

One host is set up against the local stand-in as the verify tests set it up (tests/integration/verify/verify_world.py):
certificate, key, an AWS config profile whose credential_process runs the official aws_signing_helper (the
collection's Python program when the official one is not built). Then:

- the module, run --runs times as Ansible runs it on a host (the AnsiballZ file Ansible sends, in a fresh Python): wall
  time and CPU time of the module and of everything it starts (the signing helper), and how many times the
  credential_process started per run (a wrapper in front of the helper counts its starts in a file);
- the same work split into steps, each sample in a fresh Python: import of what the module imports, host inspection,
  botocore session, credential resolution (the credential_process), each client's creation and each call.

With --fleet N, the `verify` playbook is also timed on N local hosts onboarded as benchmarks/fleet_speed.py onboards
them, beside `ansible -m ping` on the same hosts.

With --baseline REV the collection as it was at REV (exported from git) is measured too, its runs interleaved with the
current tree's so that both see the same load on the machine. Medians throughout. With --record the tables replace
the "verify_access per host" section of benchmarks/results.md.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

from stand_in_bench import REPO, official_helper, replace_section, stand_in

SECTION_START = "<!-- verify-cost: written by benchmarks/verify_cost.py -->"
SECTION_END = "<!-- /verify-cost -->"
COLLECTIONS = os.path.join(REPO, "build")

# Run in a fresh Python per sample: each step's wall and CPU time (seconds) as JSON on stdout. It makes the module's
# calls the way access_sdk makes them, through its SdkCaller, so a change there shows here.
STEPS = r"""
import json, os, resource, sys, time
marks = []
def mark(name, started):
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    marks.append((name, time.perf_counter() - started[0], time.process_time() - started[1],
                  children.ru_utime + children.ru_stime - started[2]))
    started[:] = [time.perf_counter(), time.process_time(), children.ru_utime + children.ru_stime]
started = [time.perf_counter(), time.process_time(), 0.0]
import ansible.module_utils.basic
mark("import ansible.module_utils.basic", started)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import access_check, host_crypto, host_inspection
mark("import access_check, host_inspection, host_crypto", started)
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import access_sdk
mark("import access_sdk (botocore)", started)
params = json.loads(sys.argv[1])
access_check.remove_ambient_credentials(os.environ)
check = access_check.AccessCheck(params, None, None, host_inspection.pick_backend())
config = host_inspection.config_file_path(params["aws_config_file"])
access_check.inspect_host(params["profile"], config, check.backend, check.now())
mark("host inspection (config, helper, certificate)", started)
caller = access_sdk.SdkCaller(params["profile"], params["region"], params["timeout"])
caller.session = caller.open_session(check.environment(refresh_credentials=True))
mark("botocore session", started)
caller.session.get_credentials().get_frozen_credentials()
mark("credentials (credential_process)", started)
sts = caller.client("sts")
mark("sts client", started)
access_sdk.CALLS["sts"](sts)
mark("sts GetCallerIdentity", started)
redshift = caller.client("redshift")
mark("redshift client", started)
access_sdk.CALLS["redshift"](redshift)
mark("redshift DescribeClusters", started)
print(json.dumps(marks))
"""

# A credential_process wrapper that counts its starts, then runs the real helper with the same arguments.
COUNTING_WRAPPER = '#!/bin/sh\necho x >> "{count}"\nexec "{helper}" "$@"\n'


def build_host(server, work):
    """One verify host's files, as verify_world builds them; returns (World, helper label)."""
    import pathlib

    sys.path.insert(0, os.path.join(REPO, "tests", "integration", "verify"))
    from verify_world import World

    from support.field_tools import OfficialHelper

    helper_path = official_helper()
    helper = OfficialHelper(helper_path) if helper_path else None
    world = World(server, pathlib.Path(work), official_helper=helper)
    return world, "official aws_signing_helper" if helper else "the collection's Python program"


def count_starts(world, work):
    """Put a counting wrapper in front of the profile's helper; returns the file the starts are counted in."""
    count = os.path.join(work, "credential-process-starts")
    wrapper = os.path.join(work, "counting-helper")
    with open(wrapper, "w", encoding="utf-8") as handle:
        handle.write(COUNTING_WRAPPER.format(count=count, helper=world.helper_path))
    os.chmod(wrapper, 0o755)
    world.write_config(world.credential_process().replace(world.helper_path, wrapper, 1))
    return count


def module_params(world, server):
    return {
        "profile": "reader",
        "region": server.region,
        "aws_config_file": world.config_path,
        "aws_cli": os.path.join(os.path.dirname(sys.executable), "aws"),
        "client": "auto",
        "timeout": 120,
        "fail_on_error": False,
    }


class Tree:
    """A collection tree to measure: its label and the directory that holds ansible_collections/."""

    def __init__(self, label, root):
        self.label = label
        self.root = root


def baseline_tree(revision, work):
    """The collection at ``revision``, exported from git into its own collections directory."""
    root = os.path.join(work, "baseline")
    target = os.path.join(root, "ansible_collections", "hybridcloud", "rolesanywhere")
    os.makedirs(target)
    archive = subprocess.run(
        ["git", "-C", REPO, "archive", "--format=tar", revision, "plugins", "meta", "roles", "playbooks", "galaxy.yml"],
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", target], input=archive.stdout, check=True)
    commit = subprocess.run(
        ["git", "-C", REPO, "rev-parse", "--short", revision], capture_output=True, text=True, check=True
    ).stdout.strip()
    return Tree("at %s" % commit, root)


def child_environment(work, tree):
    """What the module sees on a host: no administrator credentials, the collection importable, its own cache."""
    env = dict((name, value) for name, value in os.environ.items() if not name.startswith("AWS_"))
    env.update(PYTHONPATH=tree.root, XDG_CACHE_HOME=os.path.join(work, "cache"), ANSIBLE_COLLECTIONS_PATH=tree.root)
    return env


def run_measured(args, env):
    """(wall s, CPU s of the process and its waited-for descendants, completed process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def ansiballz_payload(world, server, work, tree):
    """The module as Ansible sends it to a host (the AnsiballZ file of one kept run), so each sample pays what a host
    pays: the packed module_utils are compiled from source at every start."""
    keep = os.path.join(work, "remote-tmp", str(abs(hash(tree.root))))
    env = dict(
        child_environment(work, tree),
        ANSIBLE_KEEP_REMOTE_FILES="1",
        ANSIBLE_REMOTE_TMP=keep,
        ANSIBLE_PIPELINING="0",
        ANSIBLE_LOCALHOST_WARNING="0",
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    )
    done = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "ansible"),
            "localhost",
            "-c",
            "local",
            "-e",
            "ansible_python_interpreter=" + sys.executable,
            "-m",
            "hybridcloud.rolesanywhere.verify_access",
            "-a",
            json.dumps(module_params(world, server)),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    for directory, _dirs, files in os.walk(keep):
        if "AnsiballZ_verify_access.py" in files:
            return os.path.join(directory, "AnsiballZ_verify_access.py")
    raise SystemExit("no AnsiballZ payload was kept:\n" + done.stdout + done.stderr)


def module_sample(payload, env, count_file):
    """One run of the module: (wall s, CPU s, credential_process starts, client)."""
    if os.path.exists(count_file):
        os.remove(count_file)
    wall, cpu, done = run_measured([sys.executable, payload], env)
    result = json.loads(done.stdout)
    if not result.get("ok"):
        raise SystemExit("verify_access failed: %s" % json.dumps(result.get("diagnosis") or result, indent=1))
    with open(count_file, encoding="utf-8") as handle:
        starts = len(handle.read().split())
    return wall, cpu, starts, result.get("client")


def steps_sample(world, server, env):
    """One run of the step profile: [(step, wall s, CPU s in the process, CPU s of the programs it started)]."""
    _wall, _cpu, done = run_measured([sys.executable, "-c", STEPS, json.dumps(module_params(world, server))], env)
    if done.returncode:
        raise SystemExit("the step profile failed:\n" + done.stderr)
    return json.loads(done.stdout)


def measure(world, server, work, trees, runs, count_file):
    """Interleaved samples of every tree: {tree label: (module medians, step medians)}."""
    payloads = dict((tree.label, ansiballz_payload(world, server, work, tree)) for tree in trees)
    envs = dict((tree.label, child_environment(work, tree)) for tree in trees)
    modules = dict((tree.label, []) for tree in trees)
    steps = dict((tree.label, []) for tree in trees)
    for tree in trees:
        steps_sample(world, server, envs[tree.label])  # writes the tree's bytecode caches before any sample counts
    for _sample in range(runs):
        for tree in trees:
            modules[tree.label].append(module_sample(payloads[tree.label], envs[tree.label], count_file))
            steps[tree.label].append(steps_sample(world, server, envs[tree.label]))
    return dict((tree.label, (module_medians(modules[tree.label]), step_medians(steps[tree.label]))) for tree in trees)


def module_medians(samples):
    return (
        statistics.median(sample[0] for sample in samples),
        statistics.median(sample[1] for sample in samples),
        max(sample[2] for sample in samples),
        samples[-1][3],
    )


def step_medians(samples):
    rows = []
    for index, step in enumerate(samples[0]):
        rows.append(
            [step[0]] + [statistics.median(sample[index][column] for sample in samples) for column in (1, 2, 3)]
        )
    return rows


def measure_fleet(server, work, trees, size, runs):
    """The verify playbook over ``size`` onboarded local hosts (benchmarks/fleet_speed.py's fleet, forks 5, pipelining),
    each tree's run interleaved with the others': {tree label: median wall s}, and the median of `ansible -m ping`."""
    import fleet_speed

    from support import local_fleet

    root = os.path.join(work, "fleet")
    os.makedirs(root)
    fleet = fleet_speed.Fleet(server, root, size, 5)
    variables = local_fleet.variables(
        server,
        root,
        rolesanywhere_trust_anchor_name="verify-cost",
        rolesanywhere_profile_name="verify-cost",
        rolesanywhere_role_name="verify-cost",
        rolesanywhere_signing_helper="official",
        rolesanywhere_signing_helper_src=fleet_speed.OFFICIAL_HELPER,
        rolesanywhere_signing_helper_checksum="sha256:" + fleet_speed.file_sha256(fleet_speed.OFFICIAL_HELPER),
    )
    fleet.playbook("onboard", "hybridcloud.rolesanywhere.onboard", variables)
    walls = dict((tree.label, []) for tree in trees)
    pings = []
    for _sample in range(runs):
        pings.append(fleet.ping().seconds)
        for tree in trees:
            fleet.env["ANSIBLE_COLLECTIONS_PATH"] = tree.root
            walls[tree.label].append(fleet.playbook("verify", "hybridcloud.rolesanywhere.verify", variables).seconds)
    fleet.env.pop("ANSIBLE_COLLECTIONS_PATH")
    return dict((label, statistics.median(values)) for label, values in walls.items()), statistics.median(pings)


def python_start(runs):
    walls = [run_measured([sys.executable, "-c", "pass"], None)[0] for _sample in range(runs)]
    return statistics.median(walls)


def tables(runs, helper, trees, measured, bare, fleet=None):
    lines = [
        SECTION_START,
        "## verify_access per host",
        "",
        "Measured %s on %s, %d cores, Python %s, botocore %s, %s, median of %d interleaved runs, with "
        "`benchmarks/verify_cost.py%s`. A bare `python -c pass` takes %.3f s."
        % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            platform.machine(),
            os.cpu_count(),
            platform.python_version(),
            __import__("botocore").__version__,
            helper,
            runs,
            "".join(" " + arg for arg in sys.argv[1:] if arg != "--record"),
            bare,
        ),
        "",
        "| the module as Ansible runs it (AnsiballZ) | client | wall | CPU, with the helper | credential_process starts |",
        "|---|---|---|---|---|",
    ]
    for tree in trees:
        wall, cpu, starts, client = measured[tree.label][0]
        lines.append("| %s | %s | %.3f s | %.3f s | %d |" % (tree.label, client, wall, cpu, starts))
    labels = [tree.label for tree in trees]
    lines += [
        "",
        "CPU time of each step, each sample in a fresh Python (the collection's bytecode cached, unlike AnsiballZ):",
        "",
        "| step | " + " | ".join("CPU %s" % label for label in labels) + " | CPU of the programs started |",
        "|---|" + "---|" * len(labels) + "---|",
    ]
    first = measured[labels[0]][1]
    for index, row in enumerate(first):
        cells = ["%.3f s" % measured[label][1][index][2] for label in labels]
        lines.append("| %s | %s | %.3f s |" % (row[0], " | ".join(cells), row[3]))
    sums = ["**%.3f s**" % sum(row[2] for row in measured[label][1]) for label in labels]
    lines.append("| **sum** | %s | |" % " | ".join(sums))
    if fleet:
        size, fleet_runs, walls, ping = fleet
        lines += [
            "",
            "The `verify` playbook on %d onboarded local hosts (forks 5, pipelining, official helper), median of %d "
            "interleaved runs; `ansible -m ping` on the same hosts: %.1f s." % (size, fleet_runs, ping),
            "",
            "| `verify` | wall | per host |",
            "|---|---|---|",
        ]
        for tree in trees:
            lines.append("| %s | %.1f s | %.2f s |" % (tree.label, walls[tree.label], walls[tree.label] / size))
    lines.append(SECTION_END)
    return lines


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline", metavar="REV", help="also measure the collection as it was at this git revision")
    parser.add_argument("--fleet", type=int, metavar="N", help="also time the verify playbook on N onboarded hosts")
    parser.add_argument("--fleet-runs", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="write the tables into benchmarks/results.md")
    options = parser.parse_args(argv)
    with stand_in() as (server, work):
        trees = [Tree("now", COLLECTIONS)]
        if options.baseline:
            trees.append(baseline_tree(options.baseline, work))
        world, helper = build_host(server, work)
        count_file = count_starts(world, work)
        measured = measure(world, server, work, trees, options.runs, count_file)
        fleet = None
        if options.fleet:
            walls, ping = measure_fleet(server, work, trees, options.fleet, options.fleet_runs)
            fleet = (options.fleet, options.fleet_runs, walls, ping)
    lines = tables(options.runs, helper, trees, measured, python_start(options.runs), fleet)
    print("\n".join(lines[1:-1]))
    if options.record:
        replace_section(SECTION_START, SECTION_END, lines)


if __name__ == "__main__":
    main(sys.argv[1:])
