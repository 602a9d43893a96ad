"""Fixtures for the control-plane integration tests: the stand-in (reset per test) and a module runner."""

import os

import pytest

from support.ansible_run import run_module, run_playbook

# The session-policy pitfall check reads AWS managed policies such as AmazonRedshiftReadOnlyAccess from IAM; moto
# serves them only when asked at start-up. The stand-in's process inherits this environment.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


class ControlPlane:
    """Runs collection modules and playbooks against the stand-in and reads its state as the administrator."""

    def __init__(self, localaws, tmp_path):
        self.localaws = localaws
        self.tmp_path = tmp_path
        self.api = localaws.client("rolesanywhere")
        self.iam = localaws.client("iam")

    def module(self, name, args, check=False):
        return run_module(
            "hybridcloud.rolesanywhere." + name,
            args,
            tmp_path=self.tmp_path,
            env=self.localaws.env,
            check=check,
            diff=True,
        )

    def playbook(self, plays, **kwargs):
        return run_playbook(plays, tmp_path=self.tmp_path, env=self.localaws.env, diff=True, **kwargs)

    def trust_anchors(self):
        return self.api.list_trust_anchors(pageSize=500)["trustAnchors"]

    def profiles(self):
        return self.api.list_profiles(pageSize=500)["profiles"]

    def crls(self):
        return self.api.list_crls(pageSize=500)["crls"]

    def tags(self, arn):
        return dict((tag["key"], tag["value"]) for tag in self.api.list_tags_for_resource(resourceArn=arn)["tags"])


@pytest.fixture
def cp(localaws_reset, tmp_path):
    return ControlPlane(localaws_reset, tmp_path)


def steps(*tasks):
    """A one-play playbook on localhost from (name, module, args[, extra task keywords]) tuples."""
    play_tasks = []
    for task in tasks:
        name, module, args = task[:3]
        entry = {"name": name, "hybridcloud.rolesanywhere." + module: args}
        if len(task) > 3:
            entry.update(task[3])
        play_tasks.append(entry)
    return [{"hosts": "localhost", "gather_facts": False, "tasks": play_tasks}]


CHECK = {"check_mode": True}


def changes(result, names):
    """{task name: changed} for the named tasks, to compare a whole life cycle at once."""
    return dict((name, result.task(name).get("changed")) for name in names)
