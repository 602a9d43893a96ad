"""A fleet of local 'hosts' for enroll tests: per-host directories, local connection, real ansible-playbook runs."""

import atexit
import os
import pwd
import shutil
import stat
import sys
import tempfile
import threading
import time

from support.ansible_run import run_playbook

ENROLL_PLAY = [{"name": "Enroll", "hosts": "all", "gather_facts": False, "roles": ["hybridcloud.rolesanywhere.enroll"]}]


def service_user():
    """Root can hand the files to an unprivileged user, which proves ownership is applied; others own them themselves."""
    if os.geteuid() == 0:
        try:
            return pwd.getpwnam("nobody")
        except KeyError:
            pass
    return pwd.getpwuid(os.geteuid())


def python_without_cryptography(directory):
    """A virtualenv without packages: an interpreter that cannot import cryptography makes a real openssl-only host."""
    import subprocess

    if not shutil.which("openssl"):
        return None
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    python = os.path.join(str(directory), "bin", "python")
    probe = subprocess.run([python, "-c", "import cryptography"], capture_output=True, check=False)
    return python if probe.returncode != 0 else None


def host_root(tmp_path, user):
    """Where the hosts' home directories live. pytest's tmp_path sits below a 0700 directory of the user running the
    tests; an unprivileged service user could not even reach its own files there, unlike in a real home directory."""
    if user.pw_uid == os.geteuid():
        return str(tmp_path / "hosts")
    root = tempfile.mkdtemp(prefix="rolesanywhere-fleet-")
    os.chmod(root, 0o711)
    atexit.register(shutil.rmtree, root, True)
    return root


class Fleet:
    """Hosts h1..hN under tmp_path/hosts/<name>, a CA under tmp_path/ca."""

    def __init__(self, tmp_path, hosts=("h1", "h2", "h3"), host_vars=None, group_vars=None):
        self.tmp_path = tmp_path
        self.ca_path = str(tmp_path / "ca")
        self.user = service_user()
        self.dirs = {name: os.path.join(host_root(tmp_path, self.user), name, "rolesanywhere") for name in hosts}
        inventory_hosts = {}
        for name in hosts:
            # Everything a host owns stays under tmp_path, the AWS config (which revoke.yml may edit) included.
            entry = {
                "rolesanywhere_cert_dir": self.dirs[name],
                "rolesanywhere_aws_config_file": os.path.join(os.path.dirname(self.dirs[name]), "aws-config"),
            }
            entry.update((host_vars or {}).get(name, {}))
            inventory_hosts[name] = entry
        variables = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "rolesanywhere_ca_path": self.ca_path,
            "rolesanywhere_service_user": self.user.pw_name,
        }
        variables.update(group_vars or {})
        self.inventory = {"all": {"hosts": inventory_hosts, "vars": variables}}

    def run(self, extra_vars=None, env=None, check=False, playbook=None):
        run_dir = (
            self.tmp_path
            / "runs"
            / str(len(os.listdir(self.tmp_path / "runs")) if (self.tmp_path / "runs").exists() else 0)
        )
        run_dir.mkdir(parents=True)
        return run_playbook(
            playbook or ENROLL_PLAY,
            tmp_path=run_dir,
            inventory=self.inventory,
            extra_vars=extra_vars,
            env=env,
            check=check,
        )

    def path(self, host, name):
        return os.path.join(self.dirs[host], name)

    def read(self, host, name):
        with open(self.path(host, name), "rb") as handle:
            return handle.read()


class KeyFileWatcher(threading.Thread):
    """Polls the host directories while a run is going on and records any key file (including the temporary file of
    an atomic write) that is visible with a mode other than 0600 or an owner other than the service user."""

    def __init__(self, directories, uid):
        super().__init__(daemon=True)
        self.directories = list(directories)
        self.uid = uid
        self.violations = []
        self.seen = set()
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            for directory in self.directories:
                try:
                    names = os.listdir(directory)
                except FileNotFoundError:
                    continue
                for name in names:
                    if "private-key" not in name:
                        continue
                    path = os.path.join(directory, name)
                    try:
                        info = os.stat(path)
                    except FileNotFoundError:
                        continue
                    self.seen.add(path)
                    if stat.S_IMODE(info.st_mode) != 0o600 or info.st_uid != self.uid:
                        self.violations.append((path, oct(stat.S_IMODE(info.st_mode)), info.st_uid))
            # A short pause keeps the watcher from taking a whole core away from the run it watches.
            time.sleep(0.001)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.join()
