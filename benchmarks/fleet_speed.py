"""Fleet speed: `onboard` beside the community.crypto "own CA" flow and `ansible -m ping`, on the same local hosts.

  .venv/bin/python benchmarks/fleet_speed.py                  # N = 5, 20, 50; appends a table per N to results.md
  .venv/bin/python benchmarks/fleet_speed.py --hosts 5 --forks 5

For each N, one stand-in and N local-connection hosts (each with its own directories), forks 5 and pipelining on for
every run: `ansible -m ping`; benchmarks/community_crypto_flow.yml, first run and re-run; `onboard`, first run and
unchanged re-run; `verify` alone. Both flows push the official signing helper (make official-helper).

Remote calls are counted, not estimated: the hosts use benchmarks/connection_plugins/counting_local.py, the local
connection that logs every module run, other command and file transfer per host. Controller-side work (set_fact,
assert, debug, tasks delegated to localhost, the control-plane modules) does not reach it and is not counted.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# build/ for the collection (its FQCN imports), tests/ for the shared test support (support.*). The stand-in is the
# installed localaws package (`make setup`), started as its own process.
sys.path[:0] = [os.path.join(REPO, "build"), os.path.join(REPO, "tests")]

RESULTS = os.path.join(REPO, "benchmarks", "results.md")
FLOW_PLAYBOOK = os.path.join(REPO, "benchmarks", "community_crypto_flow.yml")
CONNECTION_PLUGINS = os.path.join(REPO, "benchmarks", "connection_plugins")
OFFICIAL_HELPER = os.path.join(REPO, "build", "official-helper", "aws_signing_helper")
SECTION_START = "<!-- fleet-speed: appended by benchmarks/fleet_speed.py, one section per run and fleet size -->"


class Phase:
    """One timed run over the fleet and what reached each host."""

    def __init__(self, label, seconds, counts, changed=None):
        self.label = label
        self.seconds = seconds
        self.counts = counts
        self.changed = changed

    def per_host(self, kinds):
        totals = [sum(host.get(kind, 0) for kind in kinds) for host in self.counts.values()]
        if not totals:
            return "-"
        low, high = min(totals), max(totals)
        return str(low) if low == high else "%d-%d" % (low, high)


def read_counts(directory):
    counts = {}
    for host in sorted(os.listdir(directory)):
        with open(os.path.join(directory, host), encoding="utf-8") as handle:
            kinds = [line.strip() for line in handle if line.strip()]
        counts[host] = {kind: kinds.count(kind) for kind in set(kinds)}
    return counts


def flow_trust(server, work, label):
    """CA on the controller, trust anchor, role and profile in the stand-in, for the community.crypto flow."""
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import local_ca
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.trust_policy import render_trust_policy

    ca_path = os.path.join(work, "flow-ca")
    local_ca.ensure_ca(ca_path, key_type="ec-p384", subject=local_ca.build_name("Flow CA %s" % label))
    with open(os.path.join(ca_path, "ca.crt"), encoding="utf-8") as handle:
        ca_pem = handle.read()
    anywhere = server.client("rolesanywhere")
    anchor = anywhere.create_trust_anchor(
        name="flow-%s" % label,
        enabled=True,
        source={"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": ca_pem}},
    )["trustAnchor"]
    role = server.client("iam").create_role(
        RoleName="flow-%s" % label, AssumeRolePolicyDocument=json.dumps(render_trust_policy([anchor["trustAnchorArn"]]))
    )["Role"]
    profile = anywhere.create_profile(name="flow-%s" % label, roleArns=[role["Arn"]], enabled=True)["profile"]
    return {
        "flow_ca_cert": os.path.join(ca_path, "ca.crt"),
        "flow_ca_key": os.path.join(ca_path, "ca.key"),
        "flow_helper_src": OFFICIAL_HELPER,
        "flow_trust_anchor_arn": anchor["trustAnchorArn"],
        "flow_profile_arn": profile["profileArn"],
        "flow_role_arn": role["Arn"],
        "flow_region": server.region,
        "flow_endpoint": server.endpoint,
    }


def fleet_inventory(work, names):
    from support import local_fleet

    inventory = local_fleet.inventory(work, names)
    for name, host in inventory["all"]["children"]["rolesanywhere_hosts"]["hosts"].items():
        # ansible_host names the host to the counting connection.
        host.update(
            ansible_connection="counting_local",
            ansible_host=name,
            flow_dir=os.path.join(local_fleet.host_root(work, name), "flow"),
        )
    return inventory


class Fleet:
    """N hosts, their inventory and environment, and a way to run one timed phase over them."""

    def __init__(self, server, work, size, forks):
        from support import local_fleet

        self.work = work
        self.forks = forks
        self.inventory = fleet_inventory(work, ["host-%03d" % index for index in range(1, size + 1)])
        self.env = local_fleet.environment(server, work)
        self.env.update(
            ANSIBLE_CONNECTION_PLUGINS=CONNECTION_PLUGINS, ANSIBLE_FORKS=str(forks), ANSIBLE_PIPELINING="True"
        )
        self.phase_number = 0

    def _count_dir(self):
        self.phase_number += 1
        directory = os.path.join(self.work, "counts", str(self.phase_number))
        os.makedirs(directory)
        return directory

    def playbook(self, label, playbook, extra_vars):
        from support.ansible_run import run_playbook

        counts = self._count_dir()
        env = dict(self.env, ROLESANYWHERE_BENCH_COUNT_DIR=counts)
        started = time.perf_counter()
        result = run_playbook(
            playbook,
            tmp_path=self.work,
            inventory=self.inventory,
            extra_vars=extra_vars,
            env=env,
            extra_args=["--forks", str(self.forks)],
        )
        elapsed = time.perf_counter() - started
        if result.rc != 0:
            errors = [r["result"].get("stderr") for r in result.results if r["result"].get("failed")]
            raise RuntimeError("%s failed:\n%s\n%s" % (label, result.explain(), errors))
        return Phase(label, elapsed, read_counts(counts), result.changed)

    def ping(self):
        from support.ansible_run import BIN, ansible_env, write_yaml

        counts = self._count_dir()
        inventory = write_yaml(self.work, "inventory.yml", self.inventory)
        env = ansible_env(dict(self.env, ROLESANYWHERE_BENCH_COUNT_DIR=counts, ANSIBLE_STDOUT_CALLBACK="minimal"))
        started = time.perf_counter()
        completed = subprocess.run(
            [
                os.path.join(BIN, "ansible"),
                "-i",
                inventory,
                "rolesanywhere_hosts",
                "-m",
                "ping",
                "--forks",
                str(self.forks),
            ],
            env=env,
            cwd=self.work,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError("ping failed:\n%s%s" % (completed.stdout[-3000:], completed.stderr[-3000:]))
        return Phase("`ansible -m ping`", elapsed, read_counts(counts))


def file_sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def measure(server, root, size, forks):
    from support import local_fleet

    work = os.path.join(root, "fleet-%d" % size)
    os.makedirs(work)
    fleet = Fleet(server, work, size, forks)
    flow_vars = flow_trust(server, work, str(size))
    onboard_vars = local_fleet.variables(
        server,
        work,
        rolesanywhere_trust_anchor_name="speed-%d" % size,
        rolesanywhere_profile_name="speed-%d" % size,
        rolesanywhere_role_name="speed-%d" % size,
        rolesanywhere_signing_helper="official",
        rolesanywhere_signing_helper_src=OFFICIAL_HELPER,
        rolesanywhere_signing_helper_checksum="sha256:" + file_sha256(OFFICIAL_HELPER),
    )
    phases = [fleet.ping()]
    for label in ("community.crypto flow, first run", "community.crypto flow, re-run"):
        phases.append(fleet.playbook(label, FLOW_PLAYBOOK, flow_vars))
    for label in ("`onboard`, first run", "`onboard`, unchanged re-run"):
        phases.append(fleet.playbook(label, "hybridcloud.rolesanywhere.onboard", onboard_vars))
    phases.append(fleet.playbook("`verify` alone", "hybridcloud.rolesanywhere.verify", onboard_vars))
    return phases


def section(size, forks, phases, argv):
    by_label = {phase.label: phase for phase in phases}
    ping = by_label["`ansible -m ping`"].seconds
    flow_first = by_label["community.crypto flow, first run"].seconds
    onboard_first = by_label["`onboard`, first run"].seconds
    rerun = by_label["`onboard`, unchanged re-run"].seconds
    lines = [
        "",
        "### %d hosts" % size,
        "",
        "Measured %s on %s, %d cores, Python %s, forks %d, pipelining on, with `%s`."
        % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            platform.machine(),
            os.cpu_count(),
            platform.python_version(),
            forks,
            " ".join(["benchmarks/fleet_speed.py"] + argv),
        ),
        "",
        "| run | wall | per host | changed | module calls per host | all round trips per host |",
        "|---|---|---|---|---|---|",
    ]
    for phase in phases:
        lines.append(
            "| %s | %.1f s | %.2f s | %s | %s | %s |"
            % (
                phase.label,
                phase.seconds,
                phase.seconds / size,
                "-" if phase.changed is None else phase.changed,
                phase.per_host(["module"]),
                phase.per_host(["module", "command", "put", "fetch"]),
            )
        )
    lines += [
        "",
        "Ratios: onboard first / flow first = %.2f (goal <= 0.5); onboard re-run / ping = %.1f (goal <= 4); "
        "verify alone / ping = %.1f."
        % (onboard_first / flow_first, rerun / ping, by_label["`verify` alone"].seconds / ping),
    ]
    return lines


def append_results(lines):
    with open(RESULTS, encoding="utf-8") as handle:
        text = handle.read()
    if SECTION_START not in text:
        text = (
            text.rstrip("\n")
            + "\n\n"
            + SECTION_START
            + "\n\n## Fleet speed: onboard, the community.crypto flow, ping\n"
        )
    with open(RESULTS, "w", encoding="utf-8") as handle:
        handle.write(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[5, 20, 50])
    parser.add_argument("--forks", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print the tables only, leave results.md alone")
    args = parser.parse_args(argv)
    if not os.access(OFFICIAL_HELPER, os.X_OK):
        parser.error("%s is missing: run make official-helper first" % OFFICIAL_HELPER)
    if not shutil.which("openssl"):
        parser.error("the community.crypto flow needs openssl or python3-cryptography on the hosts")
    from localaws.process import start_server

    with tempfile.TemporaryDirectory(dir=os.path.join(REPO, "build")) as root:
        server = start_server(os.path.join(root, "localaws"))
        try:
            server.client("redshift").create_cluster(
                ClusterIdentifier="speed",
                NodeType="ra3.xlplus",
                MasterUsername="admin",
                MasterUserPassword="Bench-only-Passw0rd",
                ClusterType="single-node",
            )
            for size in args.hosts:
                lines = section(size, args.forks, measure(server, root, size, args.forks), argv)
                print("\n".join(lines), flush=True)
                if not args.no_write:
                    append_results(lines)
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
