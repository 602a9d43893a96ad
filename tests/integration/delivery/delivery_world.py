"""A local host with a real service user, its certificate and an AWS profile delivered by serve or update.

systemd is not PID 1 on the test machines, so the role runs with ``rolesanywhere_service_manager: none``: it installs the
unit file, and the tests start the unit's own ExecStart line under ``support.unit_supervisor`` (which they can kill and
restart) instead of systemd. Everything else is real: the role, the helper (official binary or the collection's
program), the service user, the stand-in's CreateSession and the AWS CLI as the workload.
"""

import json
import os
import pathlib
import pwd
import shutil
import subprocess
import sys
import time
import uuid

from integration.credential_helper.trust_setup import create_trust

from support.ansible_run import run_playbook
from support.unit_supervisor import Supervised
from support.x509 import Authority, key_pem_bytes, name, new_key, pem_bytes

AWS = os.path.join(os.path.dirname(sys.executable), "aws")
SYSTEM_PYTHON = "/usr/bin/python3"
PROFILE = "workload"


def log_serial(certificate):
    """The serial as the stand-in's session log spells it (decimal)."""
    return str(certificate.serial_number)


def wait_for(condition, what, timeout=60, explain=None):
    """Poll condition until it holds; on time-out the error carries explain(), what the waiting saw."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s%s" % (what, "\n" + explain() if explain else ""))


LISTEN = "0A"  # the TCP state code of /proc/net/tcp{,6}


def listening(port):
    """Whether a socket listens on the TCP port, read from the kernel's socket tables.

    A connect() probe could be fooled: with nothing listening, a probe whose ephemeral source port happens to be the
    probed port connects to itself (the serve ports lie in the kernel's default ephemeral range).
    """
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as handle:
            for line in handle.readlines()[1:]:
                fields = line.split()
                if fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    return True
    return False


class DeliveryWorld:
    """One service user on this machine whose workload gets credentials through serve or update."""

    def __init__(self, server, tmp_path, mode, helper_vars):
        self.server = server
        self.tmp_path = tmp_path
        self.mode = mode
        self.user = "radeliv" + uuid.uuid4().hex[:6]
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", self.user], check=True)
        self.account = pwd.getpwnam(self.user)
        self.home = pathlib.Path(self.account.pw_dir)
        self.ca = Authority("Delivery Test CA")
        self.trust = create_trust(server, pem_bytes(self.ca.cert))
        self.cert_dir = self.home / ".aws" / "rolesanywhere"
        self.certificate = None
        self.rotate()
        self.unit_dir = tmp_path / "units"
        self.unit_dir.mkdir()
        self.helper_vars = helper_vars
        self.supervised = None

    def rotate(self):
        """A new key and certificate in place, as the enroll role leaves them (owned by the service user, key 0600)."""
        key = new_key()
        self.certificate = self.ca.issue(key, name("%s.example.test" % self.user))
        self.cert_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for file_name, data, mode in (
            ("certificate.pem", pem_bytes(self.certificate), 0o644),
            ("private-key.pem", key_pem_bytes(key), 0o600),
        ):
            temporary = self.cert_dir / (".new-" + file_name)
            descriptor = os.open(str(temporary), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.chown(str(temporary), self.account.pw_uid, self.account.pw_gid)
            os.rename(str(temporary), str(self.cert_dir / file_name))
        for directory in (self.home / ".aws", self.cert_dir):
            os.chown(str(directory), self.account.pw_uid, self.account.pw_gid)

    def variables(self, **extra):
        variables = {
            "rolesanywhere_python_interpreter": SYSTEM_PYTHON,
            "rolesanywhere_signing_helper_install_dir": str(self.home / "bin"),
            "rolesanywhere_service_user": self.user,
            "rolesanywhere_trust_anchor_arn": self.trust.trust_anchor_arn,
            "rolesanywhere_profile_arn": self.trust.profile_arn,
            "rolesanywhere_role_arn": self.trust.role_arn,
            "rolesanywhere_endpoint_url": self.server.endpoint,
            "rolesanywhere_aws_profile": PROFILE,
            "rolesanywhere_session_duration": 900,
            "rolesanywhere_credential_delivery": self.mode,
            "rolesanywhere_service_manager": "none",
            "rolesanywhere_systemd_unit_dir": str(self.unit_dir),
        }
        variables.update(self.helper_vars)
        variables.update(extra)
        return variables

    def run_role(self, **extra):
        play = [
            {
                "hosts": "localhost",
                "connection": "local",
                "gather_facts": False,
                "roles": [{"role": "hybridcloud.rolesanywhere.credential_helper"}],
                "vars": self.variables(**extra),
            }
        ]
        return run_playbook(play, tmp_path=self.tmp_path)

    def unit_files(self):
        return sorted(self.unit_dir.glob("*.service"))

    def start_service(self):
        (unit,) = self.unit_files()
        self.supervised = Supervised(str(unit), str(self.tmp_path / "service.log"), restart_sec=1).start()
        return self.supervised

    def service_log(self):
        path = self.tmp_path / "service.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def config_text(self):
        return (self.home / ".aws" / "config").read_text()

    def metadata_port(self):
        config = self.home / ".aws" / "config"
        for line in config.read_text().splitlines() if config.exists() else []:
            if line.strip().startswith("ec2_metadata_service_endpoint"):
                return int(line.rsplit(":", 1)[1])
        return None

    def credentials_file(self):
        return self.home / ".aws" / "credentials"

    def workload_env(self):
        """The workload's view: its own HOME and AWS files, no ambient credentials, instance metadata allowed."""
        return {
            "PATH": os.path.dirname(sys.executable) + os.pathsep + "/usr/bin:/bin",
            "HOME": str(self.home),
            "AWS_CONFIG_FILE": str(self.home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file()),
            "LANG": "C.UTF-8",
        }

    def aws(self, *arguments):
        return subprocess.run(
            [AWS] + list(arguments) + ["--profile", PROFILE, "--output", "json"],
            env=self.workload_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def workload_gets_credentials(self):
        return self.aws("sts", "get-caller-identity").returncode == 0

    def caller_identity(self):
        result = self.aws("sts", "get-caller-identity")
        assert result.returncode == 0, result.stderr + "\nservice log:\n" + self.service_log()
        return json.loads(result.stdout)

    def sessions(self, serial=None):
        return [
            entry
            for entry in self.server.session_log()
            if entry["trustAnchorArn"] == self.trust.trust_anchor_arn
            and entry["outcome"] == "success"
            and (serial is None or entry["serial"] == serial)
        ]

    def explain(self):
        """What a failed wait needs: every CreateSession outcome of this world's trust anchor and the service's log."""
        outcomes = [
            entry for entry in self.server.session_log() if entry["trustAnchorArn"] == self.trust.trust_anchor_arn
        ]
        return "CreateSession outcomes:\n%s\nservice log:\n%s" % (
            "\n".join(json.dumps(entry, sort_keys=True) for entry in outcomes),
            self.service_log(),
        )

    def wait_for(self, condition, what, timeout=60):
        return wait_for(condition, what, timeout, explain=self.explain)

    def ready(self):
        """The service delivers: the endpoint listens, or the credentials file holds the profile."""
        if self.mode == "serve":
            return self.wait_for(
                lambda: listening(self.metadata_port()), "the endpoint on port %s" % self.metadata_port()
            )
        return self.wait_for(
            lambda: self.credentials_file().exists() and "[%s]" % PROFILE in self.credentials_file().read_text(),
            "the credentials file profile",
        )

    def close(self):
        if self.supervised:
            self.supervised.stop()
        subprocess.run(["userdel", "--remove", self.user], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(str(self.unit_dir), ignore_errors=True)
