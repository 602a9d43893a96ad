"""Root onboarding service users: links they plant are refused, nothing outside moves, shared parents stay reachable.

Root runs the enroll role and the AWS config module for real users (useradd). Alice and bob are two services on one
host with custom certificate directories under one parent that does not exist yet; three more users each plant a
link in their own home that would, if followed, make root write into a root-owned directory or hand them another
service's key.
"""

import os
import stat

import pytest
from host_safety_support import as_user, local_host, run_enroll, snapshot

pytestmark = pytest.mark.root

REQUEST_TASK = "hybridcloud.rolesanywhere.enroll : Ensure the private key and a CSR on the host"
CONFIG_TASK = "Write the AWS profile"
REMOVE_TASK = "Remove the host's key and certificates"


def user_dir(path, account, mode=0o755):
    os.makedirs(path, mode=mode)
    os.chown(path, account.pw_uid, account.pw_gid)
    return path


def plant(target, link, account):
    """The user's own symbolic link, as `ln -s` run by that user would leave it."""
    os.symlink(target, link)
    os.lchown(link, account.pw_uid, account.pw_gid)


def owner_and_mode(path):
    info = os.stat(path)
    return info.st_uid, stat.S_IMODE(info.st_mode)


def config_play():
    return [
        {
            "name": "AWS config",
            "hosts": "all",
            "gather_facts": False,
            "tasks": [
                {
                    "name": CONFIG_TASK,
                    "ignore_errors": True,
                    "hybridcloud.rolesanywhere.aws_config_profile": {
                        "profile": "rolesanywhere",
                        "owner": "{{ rolesanywhere_service_user }}",
                        "region": "us-east-1",
                        "credential_process": "/usr/local/bin/aws_signing_helper credential-process",
                    },
                },
                {
                    "name": REMOVE_TASK,
                    "ignore_errors": True,
                    "hybridcloud.rolesanywhere.certificate_install": {
                        "state": "absent",
                        "service_user": "{{ rolesanywhere_service_user }}",
                    },
                },
            ],
        }
    ]


def test_two_services_share_a_new_parent_and_links_planted_in_homes_are_refused(tmp_path, service_users, shared_root):
    alice, bob, mallory_home, mallory_dir, mallory_key = service_users(5)
    shared = os.path.join(shared_root, "srv", "rolesanywhere")
    first = run_enroll(
        tmp_path,
        {
            "alice": local_host(
                rolesanywhere_service_user=alice.pw_name, rolesanywhere_cert_dir=os.path.join(shared, alice.pw_name)
            ),
            "bob": local_host(
                rolesanywhere_service_user=bob.pw_name, rolesanywhere_cert_dir=os.path.join(shared, bob.pw_name)
            ),
        },
        "services",
    )
    assert first.rc == 0, first.explain()

    # Missing parents are root's and 0755 (install -d); only each final directory is its user's and 0700.
    for parent in (os.path.join(shared_root, "srv"), shared):
        assert owner_and_mode(parent) == (0, 0o755), parent
    assert owner_and_mode(shared_root) == (0, 0o755)
    for account in (alice, bob):
        cert_dir = os.path.join(shared, account.pw_name)
        assert owner_and_mode(cert_dir) == (account.pw_uid, 0o700)
        for name in ("private-key.pem", "certificate.pem"):
            read = as_user(account, "cat", os.path.join(cert_dir, name))
            assert read.returncode == 0, (account.pw_name, name, read.stderr)
        assert (
            as_user(
                account, "cat", os.path.join(shared, (alice if account is bob else bob).pw_name, "private-key.pem")
            ).returncode
            != 0
        )

    # The links. A root-owned directory with a root-owned config, reachable by anybody.
    victim = os.path.join(shared_root, "etc-aws")
    os.makedirs(victim, mode=0o755)
    with open(os.path.join(victim, "config"), "w", encoding="utf-8") as handle:
        handle.write("[default]\nregion = eu-west-1\n")
    os.chmod(os.path.join(victim, "config"), 0o600)
    # ~/.aws -> the root-owned directory.
    plant(victim, os.path.join(mallory_home.pw_dir, ".aws"), mallory_home)
    # ~/.aws/rolesanywhere -> alice's certificate directory.
    aws_dir = user_dir(os.path.join(mallory_dir.pw_dir, ".aws"), mallory_dir)
    plant(os.path.join(shared, alice.pw_name), os.path.join(aws_dir, "rolesanywhere"), mallory_dir)
    # ~/.aws/rolesanywhere/private-key.pem -> bob's key, and ~/.aws/config -> the root-owned config file.
    aws_dir = user_dir(os.path.join(mallory_key.pw_dir, ".aws"), mallory_key)
    cert_dir = user_dir(os.path.join(aws_dir, "rolesanywhere"), mallory_key, 0o700)
    plant(os.path.join(shared, bob.pw_name, "private-key.pem"), os.path.join(cert_dir, "private-key.pem"), mallory_key)
    plant(os.path.join(victim, "config"), os.path.join(aws_dir, "config"), mallory_key)
    outside = snapshot(shared_root)

    attackers = {
        account.pw_name: local_host(rolesanywhere_service_user=account.pw_name)
        for account in (mallory_home, mallory_dir, mallory_key)
    }
    enrolled = run_enroll(tmp_path, attackers, "links")
    configured = run_enroll(tmp_path, attackers, "config", playbook=config_play())

    assert enrolled.rc != 0 and enrolled.changed == 0, enrolled.explain()
    assert snapshot(shared_root) == outside
    expected = {
        mallory_home.pw_name: os.path.join(mallory_home.pw_dir, ".aws"),
        mallory_dir.pw_name: os.path.join(mallory_dir.pw_dir, ".aws", "rolesanywhere"),
        mallory_key.pw_name: os.path.join(mallory_key.pw_dir, ".aws", "rolesanywhere", "private-key.pem"),
    }
    for host, link in expected.items():
        message = enrolled.task(REQUEST_TASK, host)["msg"]
        assert "refusing to follow the symbolic link %s " % link in message, message
        assert host in message and "Remove the link" in message, message
        assert "Traceback" not in message
    for host, link in (
        (mallory_home.pw_name, os.path.join(mallory_home.pw_dir, ".aws")),
        (mallory_key.pw_name, os.path.join(mallory_key.pw_dir, ".aws", "config")),
    ):
        result = configured.task(CONFIG_TASK, host)
        assert result.get("failed") and "refusing to follow the symbolic link %s " % link in result["msg"], result
    # Offboarding removes files: never the ones a planted link leads to.
    for host, link in expected.items():
        result = configured.task(REMOVE_TASK, host)
        assert result.get("failed") and "refusing to follow the symbolic link %s " % link in result["msg"], result
    # mallory_dir's ~/.aws is real and its own: its config is written there, as any user's would be.
    assert configured.task(CONFIG_TASK, mallory_dir.pw_name).get("changed") is True
    assert owner_and_mode(os.path.join(mallory_dir.pw_dir, ".aws", "config")) == (mallory_dir.pw_uid, 0o600)
    # Nothing moved outside the homes: the victim directory, alice's and bob's files, owners and modes.
    assert snapshot(shared_root) == outside
