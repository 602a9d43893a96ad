"""credential_setup and aws_config_profile's structured command line, run by ansible-playbook on localhost."""

import hashlib
import os
import stat
import sys

import yaml

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import credential_command
from support.ansible_run import REPO, run_playbook

PROGRAM_FILE = os.path.join(REPO, "roles", "credential_helper", "files", "rolesanywhere-credential-process")
TRUST = "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/11111111-2222-3333-4444-555555555555"
PROFILE = "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/11111111-2222-3333-4444-666666666666"
ROLE = "arn:aws:iam::123456789012:role/batch"


def pinned_sha256():
    with open(os.path.join(REPO, "roles", "credential_helper", "vars", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["__rolesanywhere_credential_program_sha256"]


def program_content():
    with open(PROGRAM_FILE, encoding="utf-8") as handle:
        body = handle.read().split("\n", 1)[1]
    return "#!%s\n%s" % (sys.executable, body)


def local_play(task):
    return [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": [task]}]


def setup_task(tmp_path, state="present", content=None, **profile):
    entry = {
        "aws_profile": "workload",
        "aws_config_file": str(tmp_path / "aws" / "config"),
        "cert_dir": str(tmp_path / "certs"),
        "trust_anchor_arn": TRUST,
        "profile_arn": PROFILE,
        "role_arn": ROLE,
        "endpoint_url": "http://127.0.0.1:4566",
    }
    entry.update(profile)
    return {
        "name": "set up",
        "register": "setup",
        "hybridcloud.rolesanywhere.credential_setup": {
            "state": state,
            "signing_helper": "python",
            "helper_path": str(tmp_path / "bin" / "rolesanywhere-credential-process"),
            "program": {
                "interpreter": sys.executable,
                "sha256": pinned_sha256(),
                "content": content or program_content(),
            },
            "cache_max_age": 900,
            "profiles": [entry],
        },
    }


def test_setup_sends_the_program_only_to_a_host_whose_copy_differs(tmp_path):
    program = tmp_path / "bin" / "rolesanywhere-credential-process"
    first = run_playbook(local_play(setup_task(tmp_path)), tmp_path=tmp_path, diff=True)
    assert first.rc == 0, first.explain()
    result = first.task("set up")
    assert result["changed"] and result["sent"] == ["program"]
    assert stat.S_IMODE(program.stat().st_mode) == 0o755
    assert hashlib.sha256(program.read_bytes().split(b"\n", 1)[1]).hexdigest() == pinned_sha256()
    line = [
        entry
        for entry in (tmp_path / "aws" / "config").read_text().splitlines()
        if entry.startswith("credential_process")
    ]
    assert line == [
        "credential_process = "
        + credential_command.render(
            {
                "helper": str(program),
                "certificate": str(tmp_path / "certs" / "certificate.pem"),
                "private_key": str(tmp_path / "certs" / "private-key.pem"),
                "trust_anchor_arn": TRUST,
                "profile_arn": PROFILE,
                "role_arn": ROLE,
                "session_duration": 3600,
                "endpoint": "http://127.0.0.1:4566",
                "cache_max_age": 900,
            }
        )
    ]

    again = run_playbook(local_play(setup_task(tmp_path)), tmp_path=tmp_path)
    assert again.rc == 0, again.explain()
    assert not again.task("set up")["changed"] and "sent" not in again.task("set up")

    # A copy edited on the host is replaced by the pinned program.
    program.write_bytes(program.read_bytes() + b"# edited\n")
    repaired = run_playbook(local_play(setup_task(tmp_path)), tmp_path=tmp_path)
    assert repaired.task("set up")["changed"] and repaired.task("set up")["sent"] == ["program"]
    assert hashlib.sha256(program.read_bytes().split(b"\n", 1)[1]).hexdigest() == pinned_sha256()


def test_setup_refuses_a_program_without_the_pinned_digest(tmp_path):
    refused = run_playbook(
        local_play(setup_task(tmp_path, content=program_content() + "# not the pinned one\n")), tmp_path=tmp_path
    )
    assert refused.rc != 0
    assert "make credential-program" in refused.task("set up")["msg"]
    assert not (tmp_path / "bin").exists() and not (tmp_path / "aws").exists()


def test_setup_check_mode_writes_nothing_and_absent_removes_the_profile(tmp_path):
    checked = run_playbook(local_play(setup_task(tmp_path)), tmp_path=tmp_path, check=True, diff=True)
    assert checked.rc == 0, checked.explain()
    assert checked.task("set up")["changed"]
    assert not (tmp_path / "bin").exists() and not (tmp_path / "aws").exists()

    assert run_playbook(local_play(setup_task(tmp_path)), tmp_path=tmp_path).rc == 0
    removed = run_playbook(local_play(setup_task(tmp_path, state="absent")), tmp_path=tmp_path)
    assert removed.rc == 0, removed.explain()
    assert "workload" not in (tmp_path / "aws" / "config").read_text()
    assert (tmp_path / "bin" / "rolesanywhere-credential-process").exists()


def test_setup_names_a_missing_service_user(tmp_path):
    failed = run_playbook(local_play(setup_task(tmp_path, service_user="no-such-user-here")), tmp_path=tmp_path)
    assert failed.rc != 0
    assert "service user 'no-such-user-here'" in failed.task("set up")["msg"]
    assert not (tmp_path / "aws").exists()


def test_setup_returns_each_service_command_quoted_for_systemd(tmp_path):
    """serve and update entries get their unit's command from credential_command; process entries get none."""
    task = setup_task(tmp_path / "with space", credential_delivery="serve", delivery_port=49533)
    task["hybridcloud.rolesanywhere.credential_setup"].update(refresh_window=600, refresh_min_lead=60)
    entries = task["hybridcloud.rolesanywhere.credential_setup"]["profiles"]
    entries.append(dict(entries[0], aws_profile="batch", credential_delivery="update", delivery_port=0))
    entries.append(dict(entries[0], aws_profile="cli", credential_delivery="process"))
    checked = run_playbook(local_play(task), tmp_path=tmp_path, check=True)
    assert checked.rc == 0, checked.explain()
    serve, update, process = [entry["service"] for entry in checked.task("set up")["profiles"]]
    assert process is None
    assert serve["argv"][1:2] == ["serve"] and serve["argv"][-6:] == [
        "--port",
        "49533",
        "--refresh-window",
        "600",
        "--refresh-min-lead",
        "60",
    ]
    assert update["argv"][1:2] == ["update"] and update["argv"][update["argv"].index("--profile") + 1] == "batch"
    for service in (serve, update):
        assert service["exec_start"].startswith('"%s" ' % service["argv"][0])
        assert service["exec_start"] == credential_command.exec_start(service["argv"])
        assert service["command"] == credential_command.shell_line(service["argv"])


def test_aws_config_profile_renders_the_line_from_its_parts(tmp_path):
    config = tmp_path / "config"
    helper = {
        "path": "/opt/ra/aws_signing_helper",
        "certificate": "/srv/my certs/c.pem",
        "private_key": "/srv/k.pem",
        "trust_anchor_arn": TRUST,
        "profile_arn": PROFILE,
        "role_arn": ROLE,
        "session_duration": 900,
        "extra_args": ["--debug"],
    }
    task = {
        "name": "profile",
        "hybridcloud.rolesanywhere.aws_config_profile": {
            "profile": "parts",
            "path": str(config),
            "region": "eu-west-1",
            "credential_helper": helper,
        },
    }
    result = run_playbook(local_play(task), tmp_path=tmp_path)
    assert result.rc == 0, result.explain()
    written = result.task("profile")["settings"]["credential_process"]
    assert written == credential_command.render(dict(helper, helper=helper["path"]))
    assert credential_command.parse(written)["flags"]["certificate"] == "/srv/my certs/c.pem"

    both = dict(task["hybridcloud.rolesanywhere.aws_config_profile"], credential_process="/bin/true")
    refused = run_playbook(
        local_play({"name": "profile", "hybridcloud.rolesanywhere.aws_config_profile": both}), tmp_path=tmp_path
    )
    assert refused.rc != 0
    assert "mutually exclusive" in refused.task("profile")["msg"]
