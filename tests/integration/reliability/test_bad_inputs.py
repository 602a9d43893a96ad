"""Bad inputs to every role and module: refused with a message naming the variable or file, nothing changed, no secret.

One table per target. The role cases of one role run as one ansible-playbook over one inventory host per case (the
case's values are that host's variables), so each case fails on its own host and the whole table costs one run; the
module cases run as one play with one task per case. Each case is then its own test, asserting on its host's or task's
result and on the snapshots of the files and of the stand-in taken around the run.
"""

import getpass
import os
import shutil
import sys
import tempfile
import uuid

import pytest
from reliability_support import TRACEBACK, aws_snapshot, changed_paths, file_snapshot, record, secrets_in

from support.ansible_run import run_playbook
from support.x509 import SHA1_CA_CERTIFICATE, Authority, ca_certificate, certificate, key_pem, name, new_key, pem

VALIDATE_TASK = "Check the role's inputs before any change"
ARGUMENT_SPEC_TASK = "Validating arguments against arg spec"
PASSPHRASE = "canary-passphrase-" + uuid.uuid4().hex
ARN_PREFIX = "arn:aws:rolesanywhere:us-east-1:123456789012"
VALID_ARNS = {
    "rolesanywhere_trust_anchor_arn": ARN_PREFIX + ":trust-anchor/3a1b2c3d-0000-4000-8000-000000000001",
    "rolesanywhere_profile_arn": ARN_PREFIX + ":profile/3a1b2c3d-0000-4000-8000-000000000002",
    "rolesanywhere_role_arn": "arn:aws:iam::123456789012:role/reliability-role",
}

# (case id, role, the case's variables, words the error must contain: the variable first)
ROLE_CASES = [
    ("enroll-cn-over-64", "enroll", {"rolesanywhere_common_name": "h" * 65}, ["rolesanywhere_common_name", "64"]),
    (
        "enroll-cn-newline",
        "enroll",
        {"rolesanywhere_common_name": "db01\nCN=admin"},
        ["rolesanywhere_common_name", "control"],
    ),
    ("enroll-cn-empty", "enroll", {"rolesanywhere_common_name": ""}, ["rolesanywhere_common_name", "empty"]),
    (
        "enroll-dns-non-ascii",
        "enroll",
        {"rolesanywhere_dns_names": ["münchen.example"]},
        ["rolesanywhere_dns_names[0]", "xn--"],
    ),
    (
        "enroll-dns-label-64",
        "enroll",
        {"rolesanywhere_dns_names": ["a" * 64 + ".example.com"]},
        ["rolesanywhere_dns_names[0]"],
    ),
    ("enroll-dns-hyphen", "enroll", {"rolesanywhere_dns_names": ["-db.example.com"]}, ["rolesanywhere_dns_names[0]"]),
    ("enroll-dns-space", "enroll", {"rolesanywhere_dns_names": ["db 01.example.com"]}, ["rolesanywhere_dns_names[0]"]),
    ("enroll-org-over-64", "enroll", {"rolesanywhere_organization": "O" * 65}, ["rolesanywhere_organization", "64"]),
    ("enroll-cert-dir-relative", "enroll", {"rolesanywhere_cert_dir": "certs"}, ["rolesanywhere_cert_dir", "absolute"]),
    ("enroll-validity-zero", "enroll", {"rolesanywhere_cert_validity_days": 0}, ["rolesanywhere_cert_validity_days"]),
    ("enroll-renew-negative", "enroll", {"rolesanywhere_renew_before_days": -1}, ["rolesanywhere_renew_before_days"]),
    (
        "enroll-anchor-arn",
        "enroll",
        {"rolesanywhere_trust_anchor_arn": "arn:aws:rolesanywhere:us-east-1:12:trust-anchor/x"},
        ["rolesanywhere_trust_anchor_arn"],
    ),
    ("enroll-acm-pca-arn", "enroll", {"rolesanywhere_acm_pca_arn": "my-private-ca"}, ["rolesanywhere_acm_pca_arn"]),
    ("enroll-ca-path-file", "enroll", {"rolesanywhere_ca_path": "@ca-file"}, ["rolesanywhere_ca_path", "is a file"]),
    ("trust-duration-100", "trust", {"rolesanywhere_session_duration": 100}, ["rolesanywhere_session_duration", "900"]),
    (
        "trust-duration-50000",
        "trust",
        {"rolesanywhere_session_duration": 50000},
        ["rolesanywhere_session_duration", "43200"],
    ),
    ("trust-duration-text", "trust", {"rolesanywhere_session_duration": "an hour"}, ["rolesanywhere_session_duration"]),
    ("trust-anchor-name", "trust", {"rolesanywhere_trust_anchor_name": "ca/prod"}, ["rolesanywhere_trust_anchor_name"]),
    ("trust-role-name", "trust", {"rolesanywhere_role_name": "reader role"}, ["rolesanywhere_role_name"]),
    (
        "trust-subject-cn",
        "trust",
        {"rolesanywhere_subject_common_names": ["db-*", "x" * 70]},
        ["rolesanywhere_subject_common_names[1]"],
    ),
    (
        "trust-policy-arn",
        "trust",
        {"rolesanywhere_profile_managed_policy_arns": ["AmazonRedshiftReadOnlyAccess"]},
        ["rolesanywhere_profile_managed_policy_arns[0]"],
    ),
    (
        "trust-endpoint-scheme",
        "trust",
        {"rolesanywhere_endpoint_url": "ftp://rolesanywhere.example"},
        ["rolesanywhere_endpoint_url"],
    ),
    ("trust-region", "trust", {"rolesanywhere_region": "US East"}, ["rolesanywhere_region"]),
    ("trust-ca-path-file", "trust", {"rolesanywhere_ca_path": "@ca-file"}, ["rolesanywhere_ca_path", "is a file"]),
    ("trust-ca-cn-control", "trust", {"rolesanywhere_ca_common_name": "Root\tCA"}, ["rolesanywhere_ca_common_name"]),
    (
        "helper-profile-bracket",
        "credential_helper",
        {"rolesanywhere_aws_profile": "prod]\n[profile admin"},
        ["rolesanywhere_aws_profile", "]"],
    ),
    (
        "helper-profile-newline",
        "credential_helper",
        {"rolesanywhere_aws_profile": "etl\nreader"},
        ["rolesanywhere_aws_profile", "line break"],
    ),
    (
        "helper-profile-spaces",
        "credential_helper",
        {"rolesanywhere_aws_profile": " etl "},
        ["rolesanywhere_aws_profile", "spaces"],
    ),
    (
        "helper-settings-credential-process",
        "credential_helper",
        {"rolesanywhere_aws_profile_settings": {"credential_process": "/usr/bin/env"}},
        ["rolesanywhere_aws_profile_settings", "credential_process"],
    ),
    (
        "helper-settings-region",
        "credential_helper",
        {"rolesanywhere_aws_profile_settings": {"region": "eu-west-1"}},
        ["rolesanywhere_aws_profile_settings", "region"],
    ),
    (
        "helper-settings-multiline",
        "credential_helper",
        {"rolesanywhere_aws_profile_settings": {"output": "json\ncredential_process = /bin/sh"}},
        ["rolesanywhere_aws_profile_settings.output", "one line"],
    ),
    (
        "helper-endpoint-space",
        "credential_helper",
        {"rolesanywhere_endpoint_url": "http://local host:4566"},
        ["rolesanywhere_endpoint_url", "spaces"],
    ),
    (
        "helper-endpoint-no-host",
        "credential_helper",
        {"rolesanywhere_endpoint_url": "https://"},
        ["rolesanywhere_endpoint_url"],
    ),
    (
        "helper-endpoints-port",
        "credential_helper",
        {"rolesanywhere_endpoints": {"sts": "http://127.0.0.1:99999"}},
        ["rolesanywhere_endpoints.sts", "port"],
    ),
    (
        "helper-profiles-entry",
        "credential_helper",
        {"rolesanywhere_profiles": [{"aws_profile": "ok"}, {"aws_profile": "bad]"}]},
        ["rolesanywhere_profiles[1].aws_profile"],
    ),
    (
        "helper-config-relative",
        "credential_helper",
        {"rolesanywhere_aws_config_file": ".aws/config"},
        ["rolesanywhere_aws_config_file", "absolute"],
    ),
    (
        "helper-duration-100",
        "credential_helper",
        {"rolesanywhere_session_duration": 100},
        ["rolesanywhere_session_duration"],
    ),
    (
        "helper-role-arn",
        "credential_helper",
        {"rolesanywhere_role_arn": "reliability-role"},
        ["rolesanywhere_role_arn"],
    ),
    ("verify-profile-bracket", "verify", {"rolesanywhere_aws_profile": "a]b"}, ["rolesanywhere_aws_profile"]),
    (
        "verify-config-directory",
        "verify",
        {"rolesanywhere_aws_config_file": "/etc/"},
        ["rolesanywhere_aws_config_file"],
    ),
    ("verify-timeout-zero", "verify", {"rolesanywhere_verify_timeout": 0}, ["rolesanywhere_verify_timeout"]),
]

ROLES = sorted({case[1] for case in ROLE_CASES})


@pytest.fixture(scope="module")
def world(localaws):
    """A root other users can traverse, the CA directory's place, a file where a directory belongs, and the stand-in."""
    root = tempfile.mkdtemp(prefix="rolesanywhere-reliability-")
    os.chmod(root, 0o755)
    ca_file = os.path.join(root, "ca-file")
    with open(ca_file, "w", encoding="utf-8") as handle:
        handle.write("not a directory\n")

    class World:
        server = localaws
        directory = root
        ansible_home = os.path.join(root, "ansible")
        runs = {}

        @staticmethod
        def env():
            env = dict(localaws.env)
            env.update(
                {
                    "ANSIBLE_HOME": World.ansible_home,
                    "ANSIBLE_LOCAL_TEMP": os.path.join(World.ansible_home, "tmp"),
                    "ANSIBLE_PIPELINING": "True",
                }
            )
            return env

        @staticmethod
        def resolve(value):
            return ca_file if value == "@ca-file" else value

    yield World
    shutil.rmtree(root, ignore_errors=True)


def _host_vars(world, case_id, variables):
    base = os.path.join(world.directory, "hosts", case_id)
    host = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "rolesanywhere_cert_dir": os.path.join(base, "certs"),
        "rolesanywhere_aws_config_file": os.path.join(base, "aws", "config"),
        "rolesanywhere_signing_helper_install_dir": os.path.join(base, "bin"),
        "rolesanywhere_common_name": case_id,
    }
    host.update((name, world.resolve(value)) for name, value in variables.items())
    return host


def _common_vars(world, role):
    return dict(
        VALID_ARNS,
        **{
            "rolesanywhere_region": world.server.region,
            "rolesanywhere_endpoint_url": world.server.endpoint,
            "rolesanywhere_ca_path": os.path.join(world.directory, "ca"),
            "rolesanywhere_ca_passphrase": PASSPHRASE,
            "rolesanywhere_service_user": getpass.getuser(),
            "rolesanywhere_signing_helper": "python",
            "rolesanywhere_trust_anchor_name": "reliability-" + role,
            "rolesanywhere_role_name": "reliability-" + role,
            "rolesanywhere_profile_name": "reliability-" + role,
        },
    )


def role_run(world, role):
    """One ansible-playbook of ``role`` over one host per case of that role, with snapshots before and after."""
    if role in world.runs:
        return world.runs[role]
    cases = [case for case in ROLE_CASES if case[1] == role]
    hosts = {case_id: _host_vars(world, case_id, variables) for case_id, _role, variables, _words in cases}
    # Group variables, not extra vars: extra vars would override each case's own value.
    inventory = {"all": {"hosts": hosts, "vars": _common_vars(world, role)}}
    play = [
        {
            "name": "Role under test",
            "hosts": "all",
            "gather_facts": False,
            "roles": ["hybridcloud.rolesanywhere." + role],
        }
    ]
    run_dir = os.path.join(world.ansible_home, "runs", role)
    os.makedirs(run_dir)
    files_before, aws_before = file_snapshot(world.directory, exclude=(world.ansible_home,)), aws_snapshot(world.server)
    result = run_playbook(play, tmp_path=run_dir, inventory=inventory, env=world.env(), extra_args=("--forks", "10"))
    world.runs[role] = (
        result,
        files_before,
        file_snapshot(world.directory, exclude=(world.ansible_home,)),
        aws_before,
        aws_snapshot(world.server),
    )
    return world.runs[role]


@pytest.mark.parametrize("case_id,role,variables,words", ROLE_CASES, ids=[case[0] for case in ROLE_CASES])
def test_role_input_is_refused_before_any_change(world, request, case_id, role, variables, words):
    result, files_before, files_after, aws_before, aws_after = role_run(world, role)
    host_results = result.for_host(case_id)
    text = repr(host_results)
    host_dir = os.path.join(world.directory, "hosts", case_id)
    changed_files = [
        path for path in changed_paths(files_before, files_after) if path.startswith(host_dir) or "/ca" in path
    ]
    unintended = bool(changed_files) or aws_before != aws_after or any(r["result"].get("changed") for r in host_results)
    record(request, "refused cleanly", traceback=TRACEBACK in text + result.stderr, unintended_change=unintended)

    failed = [r for r in host_results if r["result"].get("failed")]
    assert failed, result.explain()
    first_failure = failed[0]
    assert first_failure["task"].endswith(VALIDATE_TASK) or ARGUMENT_SPEC_TASK in first_failure["task"], first_failure
    message = first_failure["result"].get("msg") or ""
    for word in words:
        assert word in message, message
    assert TRACEBACK not in text + result.stderr
    assert not changed_files and aws_before == aws_after, (
        changed_files,
        "stand-in changed" if aws_before != aws_after else "",
    )
    assert not secrets_in(result.stdout + result.stderr, [PASSPHRASE])


# ---- modules ----------------------------------------------------------------------------------------------------------

UNPARSABLE_CONFIG = "[profile other]\nregion = eu-west-1\nthis line is neither\n"
SETTING_BEFORE_HEADER = "region = eu-west-1\n[profile other]\n"
KEY_PEM = key_pem(new_key())


def module_cases(world):
    """(case id, module, arguments, words the error must contain); files the cases need are made here."""
    base = os.path.join(world.directory, "modules")
    os.makedirs(base, exist_ok=True)

    def file(name, content, mode=0o600):
        path = os.path.join(base, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.chmod(path, mode)
        return path

    config_unparsable = file("config-unparsable", UNPARSABLE_CONFIG)
    config_no_header = file("config-no-header", SETTING_BEFORE_HEADER)
    config_directory = os.path.join(base, "config-directory")
    os.makedirs(config_directory, exist_ok=True)
    wrong_key_dir = os.path.join(base, "wrong-key")
    os.makedirs(wrong_key_dir, mode=0o700, exist_ok=True)
    with open(os.path.join(wrong_key_dir, "private-key.pem"), "w", encoding="utf-8") as handle:
        handle.write(KEY_PEM)
    os.chmod(os.path.join(wrong_key_dir, "private-key.pem"), 0o600)
    truncated_dir = os.path.join(base, "truncated-key")
    os.makedirs(truncated_dir, mode=0o700, exist_ok=True)
    file("truncated-key/private-key.pem", "-----BEGIN PRIVATE KEY-----\nMIGH\n")
    other_leaf = pem(certificate(subject_key=new_key(), subject=name("someone-else")))
    malformed = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
    unknown_anchor = ARN_PREFIX + ":trust-anchor/00000000-0000-4000-8000-000000000000"
    profile = {"profile": "reliability", "region": "us-east-1", "credential_process": "/bin/true"}
    return [
        (
            "config-unparsable",
            "aws_config_profile",
            dict(profile, path=config_unparsable),
            [config_unparsable, "line 3"],
        ),
        ("config-no-header", "aws_config_profile", dict(profile, path=config_no_header), [config_no_header, "line 1"]),
        ("config-is-directory", "aws_config_profile", dict(profile, path=config_directory), [config_directory]),
        (
            "config-profile-bracket",
            "aws_config_profile",
            dict(profile, profile="a]b", path=os.path.join(base, "bracket-config")),
            ["a]b"],
        ),
        (
            "config-settings-multiline",
            "aws_config_profile",
            dict(profile, path=os.path.join(base, "fresh-config"), settings={"output": "json\ncredential_process = x"}),
            ["output"],
        ),
        (
            "ca-malformed-pem",
            "certificate_authority",
            {"path": os.path.join(base, "ca-unused"), "ca_certificate_pem": malformed, "ca_private_key_pem": KEY_PEM},
            ["certificate"],
        ),
        ("anchor-leaf-not-ca", "trust_anchor", {"name": "reliability-leaf", "certificate_bundle": other_leaf}, ["CA"]),
        (
            "anchor-sha1",
            "trust_anchor",
            {"name": "reliability-sha1", "certificate_bundle": SHA1_CA_CERTIFICATE},
            ["SHA"],
        ),
        (
            "anchor-rsa-1024",
            "trust_anchor",
            {
                "name": "reliability-weak",
                "certificate_bundle": pem(ca_certificate(new_key("rsa-1024"), cn="Weak RSA-1024 CA")),
            },
            ["1024"],
        ),
        (
            "anchor-malformed-pem",
            "trust_anchor",
            {"name": "reliability-malformed", "certificate_bundle": malformed},
            ["certificate_bundle"],
        ),
        (
            "crl-malformed",
            "crl",
            {
                "name": "reliability-crl",
                "trust_anchor_arn": unknown_anchor,
                "crl": "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
            },
            ["crl"],
        ),
        (
            "crl-unknown-anchor",
            "crl",
            {"name": "reliability-crl", "trust_anchor_arn": unknown_anchor, "crl": "@valid-crl"},
            [unknown_anchor.rsplit("/", maxsplit=1)[-1]],
        ),
        (
            "profile-duration-100",
            "profile",
            {
                "name": "reliability-profile",
                "role_arns": [VALID_ARNS["rolesanywhere_role_arn"]],
                "duration_seconds": 100,
            },
            ["duration_seconds"],
        ),
        (
            "install-wrong-key",
            "certificate_install",
            {"cert_dir": wrong_key_dir, "certificate": other_leaf, "ca_certificate": Authority("Some CA").pem},
            ["key"],
        ),
        (
            "request-truncated-key",
            "certificate_request",
            {"common_name": "db01", "cert_dir": truncated_dir},
            [os.path.join(truncated_dir, "private-key.pem"), "rotate"],
        ),
        (
            "request-cn-over-64",
            "certificate_request",
            {"common_name": "h" * 65, "cert_dir": os.path.join(base, "cn-65")},
            ["common_name", "64"],
        ),
        (
            "request-dns-non-ascii",
            "certificate_request",
            {"common_name": "db01", "dns_names": ["münchen.example"], "cert_dir": os.path.join(base, "dns-idna")},
            ["dns_names"],
        ),
    ]


def _valid_crl_pem():
    # A well-formed CRL from a CA the stand-in does not know: only the unknown trust anchor can be refused.
    return Authority("Some CA").crl()


def module_run(world):
    if "modules" in world.runs:
        return world.runs["modules"]
    cases = module_cases(world)
    crl = _valid_crl_pem()
    tasks = []
    for case_id, module, args, _words in cases:
        args = {key: (crl if value == "@valid-crl" else value) for key, value in args.items()}
        tasks.append({"name": "case " + case_id, "hybridcloud.rolesanywhere." + module: args, "ignore_errors": True})
    play = [{"name": "Modules under test", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]
    run_dir = os.path.join(world.ansible_home, "runs", "modules")
    os.makedirs(run_dir)
    files_before, aws_before = file_snapshot(world.directory, exclude=(world.ansible_home,)), aws_snapshot(world.server)
    inventory = {
        "all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}
    }
    result = run_playbook(play, tmp_path=run_dir, inventory=inventory, env=world.env())
    world.runs["modules"] = (
        cases,
        result,
        files_before,
        file_snapshot(world.directory, exclude=(world.ansible_home,)),
        aws_before,
        aws_snapshot(world.server),
    )
    return world.runs["modules"]


MODULE_CASE_IDS = [
    "config-unparsable",
    "config-no-header",
    "config-is-directory",
    "config-profile-bracket",
    "config-settings-multiline",
    "ca-malformed-pem",
    "anchor-leaf-not-ca",
    "anchor-sha1",
    "anchor-rsa-1024",
    "anchor-malformed-pem",
    "crl-malformed",
    "crl-unknown-anchor",
    "profile-duration-100",
    "install-wrong-key",
    "request-truncated-key",
    "request-cn-over-64",
    "request-dns-non-ascii",
]


@pytest.mark.parametrize("case_id", MODULE_CASE_IDS)
def test_module_input_is_refused_before_any_change(world, request, case_id):
    cases, result, files_before, files_after, aws_before, aws_after = module_run(world)
    [(module, words)] = [(module, words) for name, module, _args, words in cases if name == case_id]
    outcome = result.task("case " + case_id)
    text = repr(outcome)
    # A change is this case's when it is under a path the case named; one under no case's path belongs to every case.
    [args] = [args for name, _module, args, _words in cases if name == case_id]
    mine = [value for value in args.values() if isinstance(value, str) and value.startswith(world.directory)]
    everyones = [
        value
        for _name, _module, other, _words in cases
        for value in other.values()
        if isinstance(value, str) and value.startswith(world.directory)
    ]
    changed_files = [
        path
        for path in changed_paths(files_before, files_after)
        if any(path.startswith(own) for own in mine) or not any(path.startswith(own) for own in everyones)
    ]
    unintended = bool(changed_files) or aws_before != aws_after or bool(outcome.get("changed"))
    record(request, "refused cleanly", traceback=TRACEBACK in text, unintended_change=unintended)

    assert outcome.get("failed"), (module, outcome)
    message = outcome.get("msg") or ""
    for word in words:
        assert word in message, (module, message)
    assert TRACEBACK not in text, text[-2000:]
    assert not changed_files and aws_before == aws_after, (
        changed_files,
        "stand-in changed" if aws_before != aws_after else "",
    )
    assert not secrets_in(result.stdout + result.stderr, [KEY_PEM.splitlines()[1], PASSPHRASE])
