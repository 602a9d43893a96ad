"""Run real ansible-playbook commands from tests and read their results from the JSON callback."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_ROOT = os.path.join(REPO, "build")
BIN = os.path.dirname(sys.executable)


# Actions that run on the controller only; anything else that is not skipped or delegated is a module call on the host.
CONTROLLER_ACTIONS = frozenset(
    (
        "validate_argument_spec",
        "validate_inputs",
        "set_fact",
        "fail",
        "assert",
        "debug",
        "sign_certificates",
        "meta",
        # An include is the controller reading a task file: the tasks it brings in are counted on their own.
        "include_tasks",
        "include_role",
    )
)


@dataclass
class PlaybookResult:
    rc: int
    stdout: str
    stderr: str
    stats: dict = field(default_factory=dict)
    results: list = field(default_factory=list)

    @property
    def changed(self):
        return sum(host_stats.get("changed", 0) for host_stats in self.stats.values())

    def task(self, name, host=None):
        """The result of the last task called ``name`` (on ``host`` when given)."""
        matches = [r for r in self.results if r["task"] == name and (host is None or r["host"] == host)]
        if not matches:
            raise KeyError(
                f"no result for task {name!r} on {host or 'any host'}; tasks run: {sorted({r['task'] for r in self.results})}"
            )
        return matches[-1]["result"]

    def action(self, action, host):
        """The result of the last task that ran module/action ``action`` (short or FQCN) on ``host``."""
        matches = [
            r for r in self.results if r["host"] == host and (r["action"] or "").split(".")[-1] == action.split(".")[-1]
        ]
        if not matches:
            raise KeyError(f"no {action} result for {host}")
        return matches[-1]["result"]

    def for_host(self, host):
        return [r for r in self.results if r["host"] == host]

    def remote_calls(self, host):
        """The names of the tasks that ran a module on ``host`` itself (not skipped, not delegated, not controller-only)."""
        return [
            r["task"]
            for r in self.for_host(host)
            if not r["result"].get("skipped")
            and "_ansible_delegated_vars" not in r["result"]
            and (r["action"] or "").split(".")[-1] not in CONTROLLER_ACTIONS
        ]

    def explain(self):
        """A short text for assertion messages: the failures and the tail of stderr."""
        failures = [
            f"{r['host']} / {r['task']}: {r['result'].get('msg')}" for r in self.results if r["result"].get("failed")
        ]
        return "rc={}\nfailures:\n  {}\nstderr tail:\n{}".format(
            self.rc, "\n  ".join(failures) or "-", self.stderr[-3000:]
        )


def ansible_env(env=None):
    """The environment for an ansible command: the collection on its import path, JSON results, no user config."""
    merged = dict(os.environ)
    merged.update(
        {
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT,
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        }
    )
    merged.update(env or {})
    return merged


def write_yaml(tmp_path, name, data):
    path = os.path.join(str(tmp_path), name)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False)
    return path


def _inventory_path(tmp_path, inventory):
    if inventory is None:
        inventory = {"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}}
    if isinstance(inventory, dict):
        return write_yaml(tmp_path, "inventory.yml", inventory)
    return str(inventory)


def _flatten_results(report):
    results = []
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for host, result in task.get("hosts", {}).items():
                results.append(
                    {"host": host, "task": task["task"]["name"], "action": result.get("action"), "result": result}
                )
    return results


def run_playbook(
    playbook,
    *,
    tmp_path,
    inventory=None,
    extra_vars=None,
    env=None,
    check=False,
    diff=False,
    limit=None,
    extra_args=(),
    bin_dir=BIN,
):
    """Run ``ansible-playbook`` and return its parsed JSON report.

    ``playbook`` is a path or a list of plays as Python data (written to ``tmp_path``); ``bin_dir`` holds the
    ``ansible-playbook`` to run (another ansible-core release's virtualenv, say).
    """
    if not isinstance(playbook, (str, os.PathLike)):
        playbook = write_yaml(tmp_path, "playbook.yml", playbook)
    command = [os.path.join(bin_dir, "ansible-playbook"), "-i", _inventory_path(tmp_path, inventory), str(playbook)]
    if extra_vars:
        command += ["-e", "@" + write_yaml(tmp_path, "extra_vars.yml", extra_vars)]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if limit:
        command += ["--limit", limit]
    command += list(extra_args)
    completed = subprocess.run(
        command, env=ansible_env(env), capture_output=True, text=True, cwd=str(tmp_path), check=False
    )
    try:
        report = json.loads(completed.stdout[completed.stdout.index("{") :])
    except ValueError:
        report = {}
    return PlaybookResult(
        rc=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        stats=report.get("stats", {}),
        results=_flatten_results(report),
    )


def run_module(module, args, *, tmp_path, env=None, check=False, diff=False):
    """Run one module on localhost through a one-task playbook and return its result."""
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [{"name": "module under test", module: args}]}]
    result = run_playbook(play, tmp_path=tmp_path, env=env, check=check, diff=diff)
    return result.task("module under test")
