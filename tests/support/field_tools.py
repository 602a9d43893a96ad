"""Fixtures for the tools the field uses: the official credential helper built from its Go module, and a real HTTP
CONNECT proxy (tinyproxy).

Where a tool is missing (no `go` on a developer's machine, no tinyproxy) the tests that need it are skipped with the
reason in the summary. CI sets ROLESANYWHERE_REQUIRE_OFFICIAL_HELPER=1 and ROLESANYWHERE_REQUIRE_TINYPROXY=1
(.ci/run): there a missing tool fails those tests instead, so they can never pass by being skipped.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import time

import pytest

from .ansible_run import REPO

BUILD_SCRIPT = os.path.join(REPO, "scripts", "build_official_helper.sh")
OFFICIAL_HELPER = os.path.join(REPO, "build", "official-helper", "aws_signing_helper")
HOSTS_FILE = "/etc/hosts"


def unavailable(reason, required_by):
    """Skip with `reason`, or fail when the environment variable `required_by` says the tool is mandatory here."""
    if os.environ.get(required_by) == "1":
        pytest.fail("%s (%s=1 makes this a failure)" % (reason, required_by), pytrace=False)
    pytest.skip(reason)


class OfficialHelper:
    """The built binary, its checksum in the form rolesanywhere_signing_helper_checksum takes, and its version."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as handle:
            self.sha256 = hashlib.sha256(handle.read()).hexdigest()
        self.checksum = "sha256:" + self.sha256
        self.version = subprocess.run(
            [path, "version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()

    def role_vars(self):
        """The credential_helper role variables that push this binary to a host."""
        return {
            "rolesanywhere_signing_helper": "official",
            "rolesanywhere_signing_helper_src": self.path,
            "rolesanywhere_signing_helper_checksum": self.checksum,
        }


def build_official_helper():
    """The official helper, built from the pinned Go module version if needed; None when there is no `go` to build it.

    Several pytest-xdist workers may get here at once: the script replaces the binary by rename and leaves an up to
    date one alone. A failed build raises: it is never a reason to skip.
    """
    if shutil.which("go") is None:
        return OfficialHelper(OFFICIAL_HELPER) if os.path.exists(OFFICIAL_HELPER) else None
    built = subprocess.run([BUILD_SCRIPT], capture_output=True, text=True, timeout=900, check=False)
    if built.returncode != 0:
        raise RuntimeError("building the official credential helper failed:\n%s%s" % (built.stdout, built.stderr))
    return OfficialHelper(OFFICIAL_HELPER)


@pytest.fixture(scope="session")
def official_helper():
    """The official helper (an OfficialHelper); the test is skipped, or fails in CI, when it cannot be built."""
    helper = build_official_helper()
    if helper is None:
        unavailable(
            "the official credential helper needs Go to build it (`make official-helper`); go is not on PATH",
            "ROLESANYWHERE_REQUIRE_OFFICIAL_HELPER",
        )
    return helper


def loopback_alias(hosts_file=HOSTS_FILE):
    """(name, address): a name other than localhost that /etc/hosts maps to a loopback address, or None.

    Go's HTTP client never sends requests for "localhost" or a loopback address through a proxy, so a proxy test must
    address the stand-in by another name; the machine's own host name usually is one (Debian: 127.0.1.1).
    """
    with open(hosts_file, encoding="utf-8") as handle:
        for line in handle:
            fields = line.split("#", 1)[0].split()
            if len(fields) < 2 or not fields[0].startswith("127."):
                continue
            for name in fields[1:]:
                if name != "localhost" and not name.startswith("localhost."):
                    return name, fields[0]
    return None


def free_loopback_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Tinyproxy:
    """A running tinyproxy on a loopback port, with its own configuration and log."""

    def __init__(self, directory):
        self.directory = directory
        self.port = free_loopback_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(directory, "tinyproxy.log")
        config = os.path.join(directory, "tinyproxy.conf")
        with open(config, "w", encoding="utf-8") as handle:
            # No ConnectPort line: CONNECT is allowed to any port (the stand-in's is random). LogLevel Connect logs
            # every CONNECT request, which the tests read back.
            handle.write(
                "Port %d\nListen 127.0.0.1\nTimeout 60\nMaxClients 50\nAllow 127.0.0.1\n"
                'LogFile "%s"\nLogLevel Connect\n' % (self.port, self.log_path)
            )
        open(self.log_path, "w", encoding="utf-8").close()  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [shutil.which("tinyproxy"), "-d", "-c", config],
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(directory, "tinyproxy.stderr"), "wb"),  # pylint: disable=consider-using-with
        )
        self._wait_until_listening()

    def _wait_until_listening(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("tinyproxy exited with %s; see %s" % (self.process.returncode, self.directory))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("tinyproxy did not listen on port %d within %d s" % (self.port, timeout))

    def connects(self):
        """The host:port targets of the CONNECT requests the proxy has logged so far."""
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            # A line such as: CONNECT   Dec 02 14:46:21.528 [13042]: Request (file descriptor 5): CONNECT vm:443 HTTP/1.1
            return [line.split("): CONNECT ", 1)[1].split()[0] for line in handle if "): CONNECT " in line]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def tinyproxy(tmp_path):
    """A real HTTP CONNECT proxy for one test: `.url` for HTTPS_PROXY, `.connects()` reads its log."""
    if shutil.which("tinyproxy") is None:
        unavailable(
            "tinyproxy is not installed (Debian: apt-get install tinyproxy, or `make system-deps`)",
            "ROLESANYWHERE_REQUIRE_TINYPROXY",
        )
    proxy = Tinyproxy(str(tmp_path))
    yield proxy
    proxy.stop()
