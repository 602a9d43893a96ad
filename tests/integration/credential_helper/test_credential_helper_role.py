"""Role credential_helper on localhost: installs a helper, writes profiles the real AWS CLI uses end to end."""

import hashlib
import json
import os
import re
import stat
import subprocess
import sys

import yaml
from trust_setup import add_profile

from support.ansible_run import REPO, run_playbook

AWS = os.path.join(os.path.dirname(sys.executable), "aws")
FOREIGN = (
    "# Written by hand; the role must keep every byte of it.\n"
    "[default]\n"
    "region = eu-central-1\n"
    "output=table\n"
    "\n"
    "; production, assumed from the default profile\n"
    "[profile prod]\n"
    "role_arn = arn:aws:iam::111111111111:role/admin\n"
    "source_profile = default\n"
    "s3 =\n"
    "  max_concurrent_requests = 20\n"
)
# Stand-ins for the binary in the tests of the install mechanics (download, checksum, push, check mode) only; the
# tests that run the helper use the real one, built from its Go module (the official_helper fixture).
FAKE_HELPER_V1 = b"#!/bin/sh\necho fake aws_signing_helper 1\n"
FAKE_HELPER_V2 = b"#!/bin/sh\necho fake aws_signing_helper 2\n"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def role_task(result, name):
    return result.task("hybridcloud.rolesanywhere.credential_helper : " + name)


def play(variables):
    return [
        {
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "roles": [{"role": "hybridcloud.rolesanywhere.credential_helper"}],
            "vars": variables,
        }
    ]


def python_helper_vars(host, **extra):
    variables = {
        "rolesanywhere_signing_helper": "python",
        "rolesanywhere_python_interpreter": sys.executable,
        "rolesanywhere_signing_helper_install_dir": str(host.directory / "bin"),
        "rolesanywhere_aws_config_file": str(host.directory / "aws" / "config"),
        "rolesanywhere_cert_dir": str(host.directory / "certs"),
        "rolesanywhere_certificate_path": host.paths["certificate"],
        "rolesanywhere_private_key_path": host.paths["private_key"],
        "rolesanywhere_intermediates_path": host.paths.get("intermediates", ""),
        "rolesanywhere_trust_anchor_arn": host.trust.trust_anchor_arn,
        "rolesanywhere_profile_arn": host.trust.profile_arn,
        "rolesanywhere_role_arn": host.trust.role_arn,
        "rolesanywhere_endpoint_url": host.server.endpoint,
        "rolesanywhere_aws_profile": "workload",
    }
    variables.update(extra)
    return variables


def aws(host, *arguments):
    env = host.env(AWS_CONFIG_FILE=str(host.directory / "aws" / "config"))
    return subprocess.run(
        [AWS] + list(arguments) + ["--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_profile_works_with_the_aws_cli_and_keeps_foreign_profiles(make_host, tmp_path):
    host = make_host(leaf_kind="ec", with_intermediate=True)
    config = host.directory / "aws" / "config"
    config.parent.mkdir()
    config.write_text(FOREIGN)

    first = run_playbook(play(python_helper_vars(host)), tmp_path=tmp_path, diff=True)
    assert first.rc == 0, first.explain()
    text = config.read_text()
    assert text.startswith(FOREIGN)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    line = [entry for entry in text.splitlines() if entry.startswith("credential_process = ")]
    assert len(line) == 1 and "--intermediates %s" % host.paths["intermediates"] in line[0]
    assert "--endpoint %s" % host.server.endpoint in line[0] and "--session-duration 3600" in line[0]
    program = host.directory / "bin" / "rolesanywhere-credential-process"
    assert stat.S_IMODE(program.stat().st_mode) == 0o755

    identity = aws(host, "sts", "get-caller-identity", "--profile", "workload")
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Arn"].startswith(
        "arn:aws:sts::%s:assumed-role/%s/" % (host.server.account_id, host.trust.role_arn.split("/")[-1])
    )
    clusters = aws(host, "redshift", "describe-clusters", "--profile", "workload")
    assert clusters.returncode == 0, clusters.stderr
    assert "Clusters" in json.loads(clusters.stdout)
    assert len(host.sessions()) == 1  # the second CLI call used the cached credentials

    second = run_playbook(play(python_helper_vars(host)), tmp_path=tmp_path)
    assert second.rc == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert config.read_text() == text


def test_check_mode_and_diff_show_the_changed_line_without_writing(make_host, tmp_path):
    host = make_host()
    assert run_playbook(play(python_helper_vars(host)), tmp_path=tmp_path).rc == 0
    config = host.directory / "aws" / "config"
    before = config.read_text()
    checked = run_playbook(
        play(python_helper_vars(host, rolesanywhere_session_duration=900)), tmp_path=tmp_path, check=True, diff=True
    )
    assert checked.rc == 0, checked.explain()
    result = role_task(checked, "Set up the credential helper and the AWS profiles on the host")
    assert result["changed"]
    diff = [entry for entry in result["diff"] if entry["after_header"] == str(config)][0]
    assert "--session-duration 900" in diff["after"] and "--session-duration 900" not in diff["before"]
    assert config.read_text() == before


def test_several_profiles_for_one_host(make_host, tmp_path):
    host = make_host()
    second = add_profile(host.server, host.trust)
    variables = python_helper_vars(
        host,
        rolesanywhere_profiles=[
            {"aws_profile": "reader"},
            {
                "aws_profile": "second",
                "profile_arn": second.profile_arn,
                "role_arn": second.role_arn,
                "session_duration": 900,
            },
        ],
    )
    result = run_playbook(play(variables), tmp_path=tmp_path)
    assert result.rc == 0, result.explain()
    for profile, role_arn in (("reader", host.trust.role_arn), ("second", second.role_arn)):
        identity = aws(host, "sts", "get-caller-identity", "--profile", profile)
        assert identity.returncode == 0, identity.stderr
        assert "/%s/" % role_arn.split("/")[-1] in json.loads(identity.stdout)["Arn"]
    assert run_playbook(play(variables), tmp_path=tmp_path).changed == 0


def test_absent_removes_only_its_own_sections(make_host, tmp_path):
    host = make_host()
    config = host.directory / "aws" / "config"
    config.parent.mkdir()
    config.write_text(FOREIGN)
    assert run_playbook(play(python_helper_vars(host)), tmp_path=tmp_path).rc == 0
    removed = run_playbook(
        play(python_helper_vars(host, rolesanywhere_credential_helper_state="absent")), tmp_path=tmp_path
    )
    assert removed.rc == 0, removed.explain()
    assert config.read_text() == FOREIGN


def test_missing_arns_fail_before_anything_is_written(make_host, tmp_path):
    host = make_host()
    variables = python_helper_vars(host, rolesanywhere_role_arn="")
    result = run_playbook(play(variables), tmp_path=tmp_path)
    assert result.rc != 0
    message = role_task(result, "Set up the credential helper and the AWS profiles on the host")["msg"]
    assert "rolesanywhere_role_arn is empty" in message and "rolesanywhere_trust_anchor_arn" not in message
    assert not (host.directory / "aws" / "config").exists()
    assert not (host.directory / "bin").exists()


def test_imported_without_ansible_cores_validation_the_role_still_checks_its_argument_specs(make_host, tmp_path):
    """onboard imports the role with rolespec_validate=false: its first task checks the argument specs instead."""
    host = make_host()
    variables = python_helper_vars(
        host, rolesanywhere_signing_helper="bundled", rolesanywhere_credential_helper_state="gone"
    )
    imported = [
        {
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": variables,
            "tasks": [
                {
                    "name": "Import the role",
                    "ansible.builtin.import_role": {
                        "name": "hybridcloud.rolesanywhere.credential_helper",
                        "rolespec_validate": False,
                    },
                }
            ],
        }
    ]
    result = run_playbook(imported, tmp_path=tmp_path)
    assert result.rc != 0
    assert not [r for r in result.results if (r["action"] or "").endswith("validate_argument_spec")]
    message = role_task(result, "Check the role's inputs before any change")["msg"]
    assert "rolesanywhere_signing_helper must be one of: official, python, got: bundled" in message, message
    assert "rolesanywhere_credential_helper_state must be one of: present, absent, got: gone" in message, message
    assert not (host.directory / "bin").exists() and not (host.directory / "aws").exists()


def official_vars(host, url=None, checksum=None, **extra):
    variables = python_helper_vars(host, rolesanywhere_signing_helper="official")
    if url is not None:
        variables["rolesanywhere_signing_helper_url"] = url
    if checksum is not None:
        variables["rolesanywhere_signing_helper_checksum"] = checksum
    variables.update(extra)
    return variables


def allowed_extra_flags(helper):
    """The optional flags the role accepts in rolesanywhere_signing_helper_extra_args for `helper` (from its vars)."""
    with open(os.path.join(REPO, "roles", "credential_helper", "vars", "main.yml"), encoding="utf-8") as handle:
        flags = yaml.safe_load(handle)["__rolesanywhere_signing_helper_extra_flags"][helper]
    return flags["switch"], flags["value"]


def help_flags(program):
    """The long flags `program credential-process --help` lists."""
    shown = subprocess.run(
        [program, "credential-process", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    return set(re.findall(r"(--[a-z0-9-]+)", shown.stdout + shown.stderr))


def test_official_helper_built_from_its_module_signs_for_the_aws_cli(make_host, tmp_path, official_helper):
    host = make_host(leaf_kind="rsa", with_intermediate=True)
    extra = ["--with-proxy", "--region=%s" % host.server.region]
    variables = python_helper_vars(host, rolesanywhere_signing_helper_extra_args=extra, **official_helper.role_vars())
    installed = host.directory / "bin" / "aws_signing_helper"

    first = run_playbook(play(variables), tmp_path=tmp_path)
    assert first.rc == 0, first.explain()
    assert hashlib.sha256(installed.read_bytes()).hexdigest() == official_helper.sha256
    line = [
        entry
        for entry in (host.directory / "aws" / "config").read_text().splitlines()
        if entry.startswith("credential_process = ")
    ][0]
    assert line.startswith("credential_process = %s credential-process " % installed)
    assert line.endswith(" --with-proxy --region=%s" % host.server.region)

    identity = aws(host, "sts", "get-caller-identity", "--profile", "workload")
    assert identity.returncode == 0, identity.stderr
    assert "/%s/" % host.trust.role_arn.split("/")[-1] in json.loads(identity.stdout)["Arn"]
    clusters = aws(host, "redshift", "describe-clusters", "--profile", "workload")
    assert clusters.returncode == 0, clusters.stderr
    assert len(host.sessions()) == 2  # the official helper keeps no cache: one CreateSession per CLI call

    again = run_playbook(play(variables), tmp_path=tmp_path)
    assert again.rc == 0, again.explain()
    assert again.changed == 0, again.explain()


def test_extra_flags_are_the_helpers_own_and_are_checked_first(make_host, tmp_path, official_helper, program):
    for helper, executable in (("official", official_helper.path), ("python", program)):
        switches, values = allowed_extra_flags(helper)
        missing = set(switches + values) - help_flags(executable)
        assert not missing, "%s helper does not know %s" % (helper, sorted(missing))

    host = make_host()
    variables = python_helper_vars(
        host,
        rolesanywhere_signing_helper_extra_args=["--debug", "--certificate=/tmp/other.pem", "--region"],
        **official_helper.role_vars(),
    )
    refused = run_playbook(play(variables), tmp_path=tmp_path)
    assert refused.rc != 0
    messages = [
        item.get("msg", "")
        for item in role_task(refused, "Check the extra flags for the signing helper")["results"]
        if item.get("failed")
    ]
    assert len(messages) == 2
    assert "'--certificate=/tmp/other.pem' is not an optional flag" in messages[0] and "--region=VALUE" in messages[1]
    assert not (host.directory / "aws" / "config").exists() and not (host.directory / "bin").exists()

    warned = run_playbook(
        play(python_helper_vars(host, rolesanywhere_signing_helper_extra_args=["--no-verify-ssl"])), tmp_path=tmp_path
    )
    assert warned.rc == 0, warned.explain()
    assert "WARNING" in role_task(warned, "Warn that the helper will not verify the endpoint's TLS certificate")["msg"]
    assert " --no-verify-ssl" in (host.directory / "aws" / "config").read_text()


def test_official_helper_from_a_mirror_is_verified_and_not_downloaded_twice(make_host, tmp_path):
    host = make_host()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "aws_signing_helper").write_bytes(FAKE_HELPER_V1)
    url = "file://%s/aws_signing_helper" % mirror
    installed = host.directory / "bin" / "aws_signing_helper"

    first = run_playbook(play(official_vars(host, url, sha256(FAKE_HELPER_V1))), tmp_path=tmp_path)
    assert first.rc == 0, first.explain()
    assert installed.read_bytes() == FAKE_HELPER_V1
    assert stat.S_IMODE(installed.stat().st_mode) == 0o755
    assert "%s credential-process" % installed in (host.directory / "aws" / "config").read_text()

    # The mirror is gone: an installed binary with the right checksum needs no download.
    (mirror / "aws_signing_helper").unlink()
    again = run_playbook(play(official_vars(host, url, sha256(FAKE_HELPER_V1))), tmp_path=tmp_path)
    assert again.rc == 0, again.explain()
    assert again.changed == 0, again.explain()


def test_wrong_checksum_fails_and_keeps_the_installed_helper(make_host, tmp_path):
    host = make_host()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "aws_signing_helper").write_bytes(FAKE_HELPER_V1)
    url = "file://%s/aws_signing_helper" % mirror
    installed = host.directory / "bin" / "aws_signing_helper"
    assert run_playbook(play(official_vars(host, url, sha256(FAKE_HELPER_V1))), tmp_path=tmp_path).rc == 0

    # A tampered mirror: the new file does not have the checksum the operator pinned.
    (mirror / "aws_signing_helper").write_bytes(FAKE_HELPER_V2)
    failed = run_playbook(play(official_vars(host, url, sha256(b"what the operator expected"))), tmp_path=tmp_path)
    assert failed.rc != 0
    assert failed.stats["localhost"]["failures"] == 1
    assert "checksum" in role_task(failed, "Download aws_signing_helper and verify its checksum")["msg"].lower()
    assert installed.read_bytes() == FAKE_HELPER_V1
    assert stat.S_IMODE(installed.stat().st_mode) == 0o755
    assert sorted(os.listdir(host.directory / "bin")) == ["aws_signing_helper"]


def test_helper_pushed_from_the_controller_is_checked_first(make_host, tmp_path):
    host = make_host()
    source = tmp_path / "aws_signing_helper"
    source.write_bytes(FAKE_HELPER_V2)
    installed = host.directory / "bin" / "aws_signing_helper"

    wrong = run_playbook(
        play(official_vars(host, checksum=sha256(FAKE_HELPER_V1), rolesanywhere_signing_helper_src=str(source))),
        tmp_path=tmp_path,
    )
    assert wrong.rc != 0
    assert (
        "expected %s" % sha256(FAKE_HELPER_V1)
        in role_task(wrong, "Set up the credential helper and the AWS profiles on the host")["msg"]
    )
    assert not installed.exists()

    right = run_playbook(
        play(official_vars(host, checksum=sha256(FAKE_HELPER_V2), rolesanywhere_signing_helper_src=str(source))),
        tmp_path=tmp_path,
    )
    assert right.rc == 0, right.explain()
    assert installed.read_bytes() == FAKE_HELPER_V2 and stat.S_IMODE(installed.stat().st_mode) == 0o755


def test_check_mode_on_a_new_host_changes_nothing(make_host, tmp_path):
    host = make_host()
    mirror = tmp_path / "aws_signing_helper"
    mirror.write_bytes(FAKE_HELPER_V1)
    for variables in (python_helper_vars(host), official_vars(host, "file://%s" % mirror, sha256(FAKE_HELPER_V1))):
        checked = run_playbook(play(variables), tmp_path=tmp_path, check=True)
        assert checked.rc == 0, checked.explain()
        assert checked.changed > 0
        assert not (host.directory / "bin").exists()
        assert not (host.directory / "aws").exists()


def _fake_awscli_wheel(directory):
    """A tiny wheel with an `aws` console script: pip installs it without network access or build tools."""
    import zipfile  # pylint: disable=import-outside-toplevel

    path = directory / "fakeawscli-1.0-py3-none-any.whl"
    files = {
        "fakeawscli/__init__.py": "def main():\n    print('fake aws cli')\n",
        "fakeawscli-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: fakeawscli\nVersion: 1.0\n",
        "fakeawscli-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "fakeawscli-1.0.dist-info/entry_points.txt": "[console_scripts]\naws = fakeawscli:main\n",
    }
    record = "".join("%s,,\n" % name for name in files) + "fakeawscli-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("fakeawscli-1.0.dist-info/RECORD", record)
    return path


def test_awscli_pip_install_into_a_virtualenv_everyone_can_run(make_host, tmp_path):
    host = make_host()
    virtualenv = host.directory / "awscli"
    variables = python_helper_vars(
        host,
        rolesanywhere_install_awscli="pip",
        rolesanywhere_awscli_virtualenv=str(virtualenv),
        rolesanywhere_awscli_pip_spec=str(_fake_awscli_wheel(tmp_path)),
        rolesanywhere_awscli_virtualenv_python=sys.executable,
    )
    variables_play = play(variables)
    variables_play[0]["tasks"] = [
        {
            "name": "show the AWS CLI path",
            "ansible.builtin.debug": {"var": "rolesanywhere_credential_helper_result.awscli_path"},
        }
    ]
    result = run_playbook(variables_play, tmp_path=tmp_path)
    assert result.rc == 0, result.explain()
    shown = result.task("show the AWS CLI path")["rolesanywhere_credential_helper_result.awscli_path"]
    assert shown == str(virtualenv / "bin" / "aws")
    completed = subprocess.run(
        [str(virtualenv / "bin" / "aws")], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.stdout.strip() == "fake aws cli"
    assert stat.S_IMODE(os.stat(virtualenv / "bin" / "aws").st_mode) & 0o005 == 0o005
    assert run_playbook(variables_play, tmp_path=tmp_path).changed == 0


def test_an_inventory_input_wins_over_the_result_of_the_role_before(make_host, tmp_path):
    """The credential_helper role installs an AWS CLI of its own and publishes its path in its result; the verify role
    still runs the AWS CLI the inventory names (before, a set_fact under the input's name replaced that value)."""
    host = make_host()
    virtualenv = host.directory / "awscli"
    variables = python_helper_vars(
        host,
        rolesanywhere_install_awscli="pip",
        rolesanywhere_awscli_virtualenv=str(virtualenv),
        rolesanywhere_awscli_pip_spec=str(_fake_awscli_wheel(tmp_path)),
        rolesanywhere_awscli_virtualenv_python=sys.executable,
        rolesanywhere_region=host.server.region,
        rolesanywhere_verify_client="cli",
        rolesanywhere_awscli_path=AWS,
        ansible_connection="local",
        ansible_python_interpreter=sys.executable,
    )
    inventory = {"all": {"hosts": {"host1": variables}}}
    roles_play = [
        {
            "hosts": "all",
            "gather_facts": False,
            "roles": ["hybridcloud.rolesanywhere.credential_helper", "hybridcloud.rolesanywhere.verify"],
            "post_tasks": [
                {"name": "show the result", "ansible.builtin.debug": {"var": "rolesanywhere_credential_helper_result"}}
            ],
        }
    ]
    result = run_playbook(roles_play, tmp_path=tmp_path, inventory=inventory, env=host.env())
    assert result.rc == 0, result.explain()

    # The fake CLI the role installed only prints a line: the proof passed because it ran the inventory's real CLI.
    proof = result.task("hybridcloud.rolesanywhere.verify : Prove the AWS profile works as the service user", "host1")
    assert proof["ok"] is True, proof
    published = result.task("show the result", "host1")["rolesanywhere_credential_helper_result"]
    assert published == {
        "signing_helper_path": str(host.directory / "bin" / "rolesanywhere-credential-process"),
        "awscli_path": str(virtualenv / "bin" / "aws"),
    }
