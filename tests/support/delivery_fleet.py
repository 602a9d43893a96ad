"""A fleet of local hosts whose credentials come from serve, update or process, counted in the stand-in's log.

Each host has its own key and certificate (one CA, one trust anchor of the stand-in). ``run_long_running`` starts one
``serve`` or ``update`` process of the given program per host, lets them run, stops them and returns the times of every
host's successful CreateSession calls from the stand-in's session log. ``run_process`` runs ``credential-process`` the
given number of times per host, as a workload's process starts would. Session duration 900 s, the service's minimum;
the refresh window is scaled (for example 780-840 s before expiry) so that a run of minutes shows many refreshes.
"""

import datetime
import os
import socket
import subprocess
import time

from integration.credential_helper.trust_setup import create_trust

from support.x509 import Authority, key_pem_bytes, name, new_key, pem_bytes, write_file

SESSION_DURATION = 900


class Fleet:
    def __init__(self, server, root, hosts):
        self.server = server
        self.root = root
        self.ca = Authority("Delivery Fleet CA")
        self.trust = create_trust(server, pem_bytes(self.ca.cert), duration_seconds=SESSION_DURATION)
        self.hosts = {}
        for index in range(hosts):
            host = "d%03d" % index
            base = os.path.join(root, host)
            key = new_key()
            leaf = self.ca.issue(key, name("%s.delivery.example" % host))
            paths = {
                "certificate": os.path.join(base, "certificate.pem"),
                "private_key": os.path.join(base, "private-key.pem"),
                "base": base,
                "serial": leaf.serial_number,
            }
            write_file(paths["certificate"], pem_bytes(leaf))
            write_file(paths["private_key"], key_pem_bytes(key), 0o600)
            self.hosts[host] = paths

    def arguments(self, program, subcommand, host):
        paths = self.hosts[host]
        return [
            program,
            subcommand,
            "--certificate",
            paths["certificate"],
            "--private-key",
            paths["private_key"],
            "--trust-anchor-arn",
            self.trust.trust_anchor_arn,
            "--profile-arn",
            self.trust.profile_arn,
            "--role-arn",
            self.trust.role_arn,
            "--endpoint",
            self.server.endpoint,
            "--session-duration",
            str(SESSION_DURATION),
        ]

    def environment(self, host):
        base = self.hosts[host]["base"]
        return {"PATH": "/usr/bin:/bin", "HOME": base, "XDG_CACHE_HOME": os.path.join(base, "cache"), "LANG": "C.UTF-8"}

    def calls(self, since):
        """Successful CreateSession times per host (seconds since ``since``), from the stand-in's log."""
        serials = {str(paths["serial"]): host for host, paths in self.hosts.items()}
        times = {host: [] for host in self.hosts}
        for entry in self.server.session_log():
            if entry["trustAnchorArn"] != self.trust.trust_anchor_arn or entry["outcome"] != "success":
                continue
            host = serials.get(entry["serial"])
            moment = datetime.datetime.fromisoformat(entry["time"]).timestamp() - since
            if host is not None and moment >= 0:
                times[host].append(moment)
        return {host: sorted(values) for host, values in times.items()}

    def run_long_running(self, program, mode, seconds, window, min_lead):
        """Run ``mode`` (serve or update) on every host for ``seconds``; return the CreateSession times per host."""
        started = time.time()
        processes = []
        for host in self.hosts:
            extra = (
                ["--port", str(_free_port())]
                if mode == "serve"
                else ["--profile", "fleet", "--credentials-file", os.path.join(self.hosts[host]["base"], "credentials")]
            )
            refresh = ["--refresh-window", str(window), "--refresh-min-lead", str(min_lead)]
            command = self.arguments(program, mode, host) + extra + refresh
            log = open(os.path.join(self.hosts[host]["base"], mode + ".log"), "ab")
            processes.append(
                subprocess.Popen(command, env=self.environment(host), stdout=log, stderr=subprocess.STDOUT)
            )
            log.close()
        try:
            time.sleep(seconds)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
        return self.calls(started - 1), time.time() - started

    def run_process(self, program, starts, interval, extra=()):
        """``starts`` credential-process runs per host, ``interval`` seconds apart; return (times per host, seconds)."""
        started = time.time()
        for round_number in range(starts):
            round_start = time.monotonic()
            for host in self.hosts:
                subprocess.run(
                    self.arguments(program, "credential-process", host) + list(extra),
                    env=self.environment(host),
                    capture_output=True,
                    check=True,
                    timeout=60,
                )
            time.sleep(max(0.0, interval - (time.monotonic() - round_start)))
        return self.calls(started - 1), time.time() - started


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def refreshes_per_host_hour(times, seconds):
    """Calls after each host's first, per host and hour: the steady-state rate the quota sees."""
    refreshes = sum(max(0, len(values) - 1) for values in times.values())
    return refreshes / float(len(times)) * 3600.0 / seconds


def gaps(times):
    return [later - earlier for values in times.values() for earlier, later in zip(values, values[1:])]
