"""make demo: onboard three local hosts to the embedded AWS stand-in and show that it worked.

Everything it writes stays under build/demo/ (hosts, CA, AWS config files, caches, Ansible's own files);
no root, no AWS account. The stand-in is stopped on the way out, whatever happens.
"""

import os
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# tests/ for the shared test support (support.*), which writes the demo's inventory and runs its playbooks.
sys.path.insert(0, os.path.join(REPO, "tests"))

# The installed stand-in (`make setup`): start_server runs `python -m localaws` as a process of its own.
from localaws.process import start_server  # noqa: E402  pylint: disable=wrong-import-position
from support import local_fleet  # noqa: E402  pylint: disable=wrong-import-position
from support.ansible_run import ansible_env, run_playbook, write_yaml  # noqa: E402  pylint: disable=wrong-import-position

WORK = os.path.join(REPO, "build", "demo")
HOSTS = ["demo-host-1", "demo-host-2", "demo-host-3"]
CLUSTER = "analytics-demo"


def banner(text):
    print("\n\033[1m== %s\033[0m" % text, flush=True)


def demo_variables(server):
    return local_fleet.variables(
        server,
        WORK,
        rolesanywhere_trust_anchor_name="demo-anchor",
        rolesanywhere_profile_name="demo-profile",
        rolesanywhere_role_name="demo-redshift-reader",
        rolesanywhere_aws_profile="redshift-reader",
    )


def create_cluster(server):
    server.client("redshift").create_cluster(
        ClusterIdentifier=CLUSTER,
        NodeType="ra3.xlplus",
        MasterUsername="admin",
        MasterUserPassword="Demo-only-Passw0rd",
        ClusterType="single-node",
    )


def run_streamed(playbook, inventory_path, vars_path, env):
    """Run a playbook with Ansible's normal output on the terminal; return its exit code."""
    command = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        "-i",
        inventory_path,
        "-e",
        "@" + vars_path,
        playbook,
    ]
    run_env = ansible_env(env)
    run_env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.default"
    return subprocess.run(command, env=run_env, check=False).returncode


def print_summary(result):
    """One row per host, columns as wide as their widest value (assumed-role ARNs end in a long session name)."""
    rows = [("host", "assumed role", "clusters", "certificate expires")]
    for host in HOSTS:
        outcome = result.action("verify_access", host)
        certificate = outcome.get("certificate") or {}
        rows.append(
            (
                host,
                outcome.get("assumed_role_arn", "-"),
                ",".join(outcome.get("clusters", [])) or "-",
                certificate.get("not_after", "-"),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())


def main():
    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    banner("Starting the local AWS stand-in")
    server = start_server(os.path.join(WORK, "localaws"))
    try:
        print("endpoint %s, account %s, region %s" % (server.endpoint, server.account_id, server.region))
        env = local_fleet.environment(server, WORK)
        env["ANSIBLE_DISPLAY_SKIPPED_HOSTS"] = "false"
        create_cluster(server)
        print("Redshift cluster %s created" % CLUSTER)
        inventory_path = write_yaml(WORK, "inventory.yml", local_fleet.inventory(WORK, HOSTS))
        vars_path = write_yaml(WORK, "vars.yml", demo_variables(server))

        banner("onboard: trust on the controller, enroll, credential helper, verify (3 hosts)")
        if run_streamed("hybridcloud.rolesanywhere.onboard", inventory_path, vars_path, env) != 0:
            print("onboard failed", file=sys.stderr)
            return 1

        banner("onboard again: nothing to change")
        second = run_playbook(
            "hybridcloud.rolesanywhere.onboard",
            tmp_path=WORK,
            inventory=inventory_path,
            extra_vars=demo_variables(server),
            env=env,
        )
        if second.rc != 0:
            print(second.explain(), file=sys.stderr)
            return 1
        print(
            "changed tasks per host: %s"
            % {host: stats.get("changed", 0) for host, stats in sorted(second.stats.items())}
        )

        banner("verify: each host, as its service user, through its AWS profile")
        verify = run_playbook(
            "hybridcloud.rolesanywhere.verify",
            tmp_path=WORK,
            inventory=inventory_path,
            extra_vars=demo_variables(server),
            env=env,
        )
        if verify.rc != 0:
            print(verify.explain(), file=sys.stderr)
            return 1
        print_summary(verify)
        print(
            "\nEach host's files are under %s (certificate, key 0600, AWS config with credential_process)."
            % os.path.join(WORK, "hosts")
        )
        print("demo finished in %.0f s" % (time.monotonic() - started))
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
