"""Revocation removes service users' credential caches as root: a link a user planted is never followed.

Mallory points her ~/.cache at the victim's; root removing "~mallory/.cache/hybridcloud-rolesanywhere" through it
would delete the victim's cache. Alice's cache is real but holds a link to a file of the victim: the link goes, the
file stays.
"""

import os

import pytest
from host_safety_support import local_host, snapshot

from support.ansible_run import REPO, run_playbook

pytestmark = pytest.mark.root

CACHE = ".cache/hybridcloud-rolesanywhere"
TASK = "Remove the cached credentials of the service user"


def user_file(path, account, content="cached"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content)
    for directory in (os.path.dirname(path), os.path.dirname(os.path.dirname(path))):
        os.chown(directory, account.pw_uid, account.pw_gid)
    os.chown(path, account.pw_uid, account.pw_gid)


def plant(target, link, account):
    os.symlink(target, link)
    os.lchown(link, account.pw_uid, account.pw_gid)


def removal_play():
    return [
        {
            "name": "Remove caches",
            "hosts": "all",
            "gather_facts": False,
            "tasks": [
                {
                    "name": "Remove the credential cache",
                    "ignore_errors": True,
                    "ansible.builtin.import_tasks": os.path.join(
                        REPO, "playbooks", "tasks", "remove_credential_cache.yml"
                    ),
                }
            ],
        }
    ]


def test_cache_removal_follows_no_planted_link(tmp_path, service_users):
    mallory, alice, victim = service_users(3)
    victim_cache = os.path.join(victim.pw_dir, CACHE)
    user_file(os.path.join(victim_cache, "session.json"), victim)
    plant(os.path.join(victim.pw_dir, ".cache"), os.path.join(mallory.pw_dir, ".cache"), mallory)
    user_file(os.path.join(alice.pw_dir, CACHE, "session.json"), alice)
    plant(os.path.join(victim_cache, "session.json"), os.path.join(alice.pw_dir, CACHE, "victim.json"), alice)
    before = snapshot(victim.pw_dir)

    hosts = {account.pw_name: local_host(rolesanywhere_service_user=account.pw_name) for account in (mallory, alice)}
    removed = run_playbook(removal_play(), tmp_path=tmp_path, inventory={"all": {"hosts": hosts}})

    (refused,) = removed.task(TASK, mallory.pw_name)["results"]
    link = os.path.join(mallory.pw_dir, ".cache")
    assert refused.get("failed") and "refusing to follow the symbolic link %s " % link in refused["msg"], refused
    assert mallory.pw_name in refused["msg"], refused
    assert snapshot(victim.pw_dir) == before  # the victim's cache, the file alice linked to included, is intact
    assert os.path.islink(link)
    (cleaned,) = removed.task(TASK, alice.pw_name)["results"]
    assert cleaned.get("changed") and not cleaned.get("failed"), cleaned
    assert not os.path.lexists(os.path.join(alice.pw_dir, CACHE))

    again = run_playbook(
        removal_play(), tmp_path=tmp_path, inventory={"all": {"hosts": {alice.pw_name: hosts[alice.pw_name]}}}
    )
    assert again.rc == 0 and again.changed == 0, again.stdout[-2000:]
