"""Run the local AWS stand-in in the background for a Molecule scenario.

    localaws_service.py start STATE_DIR   start it (unless it already runs) and wait for its JSON line
    localaws_service.py stop STATE_DIR    stop it and remove its state files

STATE_DIR (Molecule's ephemeral directory) receives localaws.pid, localaws.json (the line the stand-in
prints: endpoint, region, account id, administrator keys) and localaws.log. Both commands print one JSON
object with "changed", so a playbook can report them truthfully.
"""

import json
import os
import signal
import subprocess
import sys
import time

START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10


def _paths(state_dir):
    return {name: os.path.join(state_dir, "localaws." + name) for name in ("pid", "json", "log", "out")}


def _running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child that exited) is not running.
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _read_pid(paths):
    try:
        with open(paths["pid"], encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def _remove(paths, names):
    for name in names:
        try:
            os.remove(paths[name])
        except FileNotFoundError:
            pass


def start(state_dir):
    paths = _paths(state_dir)
    pid = _read_pid(paths)
    if pid and _running(pid) and os.path.exists(paths["json"]):
        with open(paths["json"], encoding="utf-8") as handle:
            return {"changed": False, "pid": pid, "endpoint": json.load(handle)["endpoint"]}
    os.makedirs(state_dir, exist_ok=True)
    with open(paths["out"], "wb") as out, open(paths["log"], "ab") as log:
        # A session of its own: the stand-in outlives this command and Ansible's process group. The package is the
        # one `make setup` installs into the interpreter that runs this script (Ansible's own).
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "localaws", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=log,
            cwd=state_dir,
            start_new_session=True,
        )
    with open(paths["pid"], "w", encoding="ascii") as handle:
        handle.write("%d\n" % process.pid)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        with open(paths["out"], encoding="utf-8") as handle:
            line = handle.readline()
        if line.endswith("\n"):
            info = json.loads(line)
            descriptor = os.open(paths["json"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(info, handle)
            return {"changed": True, "pid": process.pid, "endpoint": info["endpoint"]}
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    process.wait()
    _remove(paths, ("pid", "json"))
    with open(paths["log"], encoding="utf-8", errors="replace") as handle:
        raise SystemExit("the local AWS stand-in did not start; its log:\n" + handle.read()[-4000:])


def stop(state_dir):
    paths = _paths(state_dir)
    pid = _read_pid(paths)
    changed = False
    if pid and _running(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _running(pid):
            os.kill(pid, signal.SIGKILL)
        changed = True
    _remove(paths, ("pid", "json", "out"))
    return {"changed": changed, "pid": pid}


def main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        raise SystemExit(__doc__)
    result = start(argv[2]) if argv[1] == "start" else stop(argv[2])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
