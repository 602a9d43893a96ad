"""Run a systemd unit's ExecStart under a supervisor the tests control (this machine's PID 1 is not systemd).

The credential_helper role installs a unit per service user and AWS profile. On a host without systemd the tests set
``rolesanywhere_service_manager: none`` and start the unit themselves: the ExecStart line is read from the installed
unit file (systemd's %% and $$ escapes undone, then split like systemd splits it), run as the unit's User= with that
user's HOME, and restarted after RestartSec= when it dies of a signal or a non-zero exit (Restart=on-failure). The
sandboxing directives (ProtectSystem= and friends) are not applied: they need systemd.
"""

import configparser
import os
import pwd
import shlex
import signal
import subprocess
import threading
import time


def read_unit(path):
    """The [Service] settings of a unit file that the supervisor honours."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    with open(path, encoding="utf-8") as handle:
        parser.read_string(handle.read())
    service = parser["Service"]
    command = service["ExecStart"].replace("$$", "\0").replace("%%", "%").replace("\0", "$")
    restart_sec = service.get("RestartSec", "0").rstrip("s") or "0"
    return {
        "user": service.get("User", "root"),
        "argv": shlex.split(command),
        "restart": service.get("Restart", "no"),
        "restart_sec": float(restart_sec),
    }


class Supervised:
    """One unit's process: start, kill, restart; restarted on failure like systemd's Restart=on-failure."""

    def __init__(self, unit_path, log_path, restart_sec=None):
        self.unit_path = unit_path
        self.log_path = log_path
        self.unit = read_unit(unit_path)
        if restart_sec is not None:
            self.unit["restart_sec"] = restart_sec
        self.process = None
        self.starts = 0
        self._stopping = False
        self._lock = threading.Lock()
        self._watcher = None

    def _spawn(self):
        account = pwd.getpwnam(self.unit["user"])
        environment = {
            "HOME": account.pw_dir,
            "USER": account.pw_name,
            "LOGNAME": account.pw_name,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
        }
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.unit["argv"],
            env=environment,
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            user=account.pw_uid,
            group=account.pw_gid,
            extra_groups=[],
            umask=0o077,
            start_new_session=True,
        )
        log.close()
        self.starts += 1

    def start(self):
        with self._lock:
            self._stopping = False
            self._spawn()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()
        return self

    def _watch(self):
        while True:
            process = self.process
            code = process.wait()
            with self._lock:
                if self._stopping or process is not self.process:
                    if self._stopping:
                        return
                    continue
                if self.unit["restart"] != "on-failure" or code == 0:
                    return
            time.sleep(self.unit["restart_sec"])
            with self._lock:
                if self._stopping:
                    return
                self._spawn()

    def kill(self, sig=signal.SIGKILL):
        """Kill the process as a crash would: the watcher restarts it."""
        os.kill(self.process.pid, sig)

    def stop(self):
        with self._lock:
            self._stopping = True
            process = self.process
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def restart(self):
        """What systemctl restart does (and the enroll role's handler asks for on a systemd host)."""
        self.stop()
        self.unit = read_unit(self.unit_path)
        return self.start()

    def running(self):
        return self.process is not None and self.process.poll() is None
