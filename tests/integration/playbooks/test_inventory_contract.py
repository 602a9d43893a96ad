"""The fleet playbooks act on the group named by rolesanywhere_target_hosts (default rolesanywhere_hosts); a pattern
that matches no host is a failed run with a message saying how to fix the inventory, not a green run that did nothing."""

import os

from support.ansible_run import REPO, run_playbook

PLAYBOOKS = os.path.join(REPO, "playbooks")
# Hosts in a group of the user's own naming: the default target group is missing.
INVENTORY = {
    "all": {
        "children": {
            "databases": {"hosts": {"db01": {"ansible_connection": "local"}}},
            "webservers": {"hosts": {"web01": {"ansible_connection": "local"}}},
        }
    }
}


def test_onboard_fails_before_any_change_when_the_target_group_is_missing(tmp_path):
    # No AWS endpoint or credentials: had the run gone past the check, the trust role would have failed differently.
    result = run_playbook(
        os.path.join(PLAYBOOKS, "onboard.yml"),
        tmp_path=tmp_path,
        inventory=INVENTORY,
        env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
    )
    assert result.rc != 0
    message = result.task("Check that the target hosts exist in the inventory")["msg"]
    assert "no inventory host matches 'rolesanywhere_hosts'" in message
    assert "rolesanywhere_target_hosts" in message and "rolesanywhere_allow_empty_run" in message
    assert [r["task"] for r in result.results] == ["Check that the target hosts exist in the inventory"]


def test_verify_names_the_limit_that_left_no_host(tmp_path):
    result = run_playbook(
        os.path.join(PLAYBOOKS, "verify.yml"),
        tmp_path=tmp_path,
        inventory=INVENTORY,
        extra_vars={"rolesanywhere_target_hosts": "databases"},
        limit="web01",
    )
    assert result.rc != 0
    message = result.task("Check that the target hosts exist in the inventory")["msg"]
    assert "'databases' within --limit web01" in message and "(1 host(s)" in message


def test_an_empty_run_passes_only_when_declared_expected(tmp_path):
    result = run_playbook(
        os.path.join(PLAYBOOKS, "verify.yml"),
        tmp_path=tmp_path,
        inventory=INVENTORY,
        extra_vars={"rolesanywhere_allow_empty_run": True},
    )
    assert result.rc == 0, result.explain()
    assert [r["task"] for r in result.results] == ["Check that the target hosts exist in the inventory"]


def test_onboard_limited_to_the_hosts_stops_with_the_reason_before_enrolling(tmp_path):
    """--limit without localhost makes Ansible skip the trust play; the hosts' play must not go on without it."""
    inventory = {"all": {"children": {"rolesanywhere_hosts": {"hosts": {"db01": {"ansible_connection": "local"}}}}}}
    result = run_playbook(os.path.join(PLAYBOOKS, "onboard.yml"), tmp_path=tmp_path, inventory=inventory, limit="db01")
    assert result.rc != 0
    message = result.task("Check that the trust play ran on the controller", "db01")["msg"]
    assert "--limit left localhost out" in message and "--limit '<hosts>,localhost'" in message
    assert [r["task"] for r in result.for_host("db01")] == [
        "Check that the target hosts exist in the inventory",
        "Check that the trust play ran on the controller",
    ]
