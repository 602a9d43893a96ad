"""Faults and interrupted runs: the stand-in killed and restarted with its state file, throttling, 5xx, an endpoint that
never answers, a check-mode first run, and enroll or rotation stopped midway; each converges on the next run or fails
clearly, with no traceback, no unintended change and no secret in the output.

A private stand-in (with a state file, so it can be killed) and one onboarded host are shared by the module's cases.
"""

import os
import shutil
import tempfile
import time
import uuid

import pytest
from reliability_support import TRACEBACK, aws_snapshot, changed_paths, file_snapshot, record, secrets_in

from localaws.process import start_server
from support import local_fleet
from support.ansible_run import run_playbook

HOST = "rel-host"
TRUST_PLAY = [
    {"name": "Trust", "hosts": "localhost", "gather_facts": False, "roles": ["hybridcloud.rolesanywhere.trust"]}
]
# The enroll role alone: what an interrupted enroll or rotation needs to converge, without a whole onboard run.
ENROLL_PLAY = [{"name": "Enroll", "hosts": "all", "gather_facts": False, "roles": ["hybridcloud.rolesanywhere.enroll"]}]


class Site:
    """A stand-in that can be killed and started again on the same port with its state, and one host onboarded on it."""

    def __init__(self, root):
        self.root = root
        self.state_file = os.path.join(root, "localaws-state.json")
        self.server = start_server(os.path.join(root, "localaws"), state_file=self.state_file)
        self.port = int(self.server.endpoint.rsplit(":", 1)[1])
        self.names = {
            "rolesanywhere_trust_anchor_name": "rel-anchor",
            "rolesanywhere_profile_name": "rel-profile",
            "rolesanywhere_role_name": "rel-role",
            "rolesanywhere_ca_passphrase": "rel-" + uuid.uuid4().hex,
        }

    def restart(self):
        self.server.kill()
        self.server = start_server(os.path.join(self.root, "localaws"), state_file=self.state_file, port=self.port)

    def variables(self, **overrides):
        return local_fleet.variables(self.server, self.root, **dict(self.names, **overrides))

    def env(self, **extra):
        env = local_fleet.environment(self.server, self.root)
        env.update(extra)
        return env

    def run(self, playbook, hosts=(HOST,), check=False, env=None, **overrides):
        run_dir = tempfile.mkdtemp(dir=os.path.join(self.root, "runs"))
        return run_playbook(
            playbook,
            tmp_path=run_dir,
            inventory=local_fleet.inventory(self.root, hosts),
            extra_vars=self.variables(**overrides),
            env=env or self.env(),
            check=check,
        )

    def host_file(self, name, host=HOST):
        return os.path.join(local_fleet.host_root(self.root, host), "certs", name)

    def key_pem(self):
        with open(self.host_file("private-key.pem"), encoding="utf-8") as handle:
            return handle.read()

    def secrets(self):
        return [self.names["rolesanywhere_ca_passphrase"]] + self.key_pem().splitlines()[1:2]

    def files(self):
        """The hosts' and the CA's files; the stand-in's own files and Ansible's working directories are not the hosts'."""
        own = tuple(os.path.join(self.root, name) for name in ("runs", "ansible", "localaws", "cache"))
        state = file_snapshot(self.root, exclude=own)
        state.pop(self.state_file, None)
        state.pop(self.root, None)
        return state


@pytest.fixture(scope="module")
def site():
    root = tempfile.mkdtemp(prefix="rolesanywhere-reliability-faults-")
    os.chmod(root, 0o755)
    os.makedirs(os.path.join(root, "runs"))
    built = Site(root)
    first = built.run("hybridcloud.rolesanywhere.onboard")
    assert first.rc == 0, first.explain()
    yield built
    built.server.stop()
    shutil.rmtree(root, ignore_errors=True)


def outputs(*results):
    return "".join(result.stdout + result.stderr for result in results)


def verify(site, **overrides):
    return site.run("hybridcloud.rolesanywhere.verify", **overrides)


def test_standin_killed_and_restarted_with_its_state_converges(site, request):
    aws_before, files_before = aws_snapshot(site.server), site.files()
    site.restart()
    aws_restarted = aws_snapshot(site.server)
    again = site.run("hybridcloud.rolesanywhere.onboard")
    changed_files = changed_paths(files_before, site.files())
    unintended = aws_before != aws_restarted or aws_restarted != aws_snapshot(site.server) or bool(changed_files)
    record(request, "converged", traceback=TRACEBACK in outputs(again), unintended_change=unintended)
    assert again.rc == 0, again.explain()
    assert again.changed == 0, [r["task"] for r in again.results if r["result"].get("changed")]
    assert aws_before == aws_restarted, (aws_before, aws_restarted)
    assert not unintended, changed_files
    assert not secrets_in(outputs(again), site.secrets())


def test_standin_down_fails_clearly_and_changes_nothing(site, request):
    files_before = site.files()
    site.server.kill()
    try:
        down = site.run(TRUST_PLAY, hosts=())
    finally:
        site.server = start_server(os.path.join(site.root, "localaws"), state_file=site.state_file, port=site.port)
    text = outputs(down)
    unintended = bool(changed_paths(files_before, site.files()))
    record(request, "refused cleanly", traceback=TRACEBACK in text, unintended_change=unintended)
    assert down.rc != 0
    failure = [r for r in down.results if r["result"].get("failed")][0]["result"]["msg"]
    assert "127.0.0.1:%d" % site.port in failure, failure
    assert TRACEBACK not in text and not unintended
    assert not secrets_in(text, site.secrets())


@pytest.mark.parametrize("operation,kind", [("ListTrustAnchors", "throttle"), ("ListProfiles", "error500")])
def test_throttled_or_failing_control_plane_calls_are_retried(site, request, operation, kind):
    aws_before = aws_snapshot(site.server)
    site.server.inject_fault(operation, kind=kind, count=2)
    again = site.run(TRUST_PLAY, hosts=())
    unintended = aws_before != aws_snapshot(site.server)
    record(request, "converged", traceback=TRACEBACK in outputs(again), unintended_change=unintended)
    assert again.rc == 0, again.explain()
    assert again.changed == 0 and not unintended
    assert site.server._admin("GET", "faults")["faults"] == {}  # pylint: disable=protected-access


def test_throttled_create_session_is_retried_by_verify(site, request):
    site.server.inject_fault("CreateSession", kind="throttle", count=2)
    checked = verify(site)
    record(request, "converged", traceback=TRACEBACK in outputs(checked))
    assert checked.rc == 0, checked.explain()
    assert not secrets_in(outputs(checked), site.secrets())


def test_an_endpoint_that_never_answers_makes_verify_fail_in_bounded_time(site, request):
    site.server.inject_fault("CreateSession", kind="hang", count=50, seconds=90)
    started = time.monotonic()
    try:
        hung = verify(site, rolesanywhere_verify_timeout=20, rolesanywhere_verify_inspect_control_plane=False)
    finally:
        site.server.inject_fault("CreateSession", kind="hang", count=0)
    elapsed = time.monotonic() - started
    text = outputs(hung)
    record(request, "refused cleanly", traceback=TRACEBACK in text)
    assert hung.rc != 0
    diagnosis = hung.action("verify_access", HOST)["diagnosis"]
    assert diagnosis["code"] == "timed_out", diagnosis
    assert site.server.endpoint in diagnosis["message"], diagnosis
    # Without bounds the AWS CLI and the helper wait minutes; with them one call is stopped after 20 s. A loose
    # bound, so that a busy machine does not fail the test: it separates seconds from minutes.
    assert elapsed < 150, elapsed
    assert TRACEBACK not in text and not secrets_in(text, site.secrets())


def test_a_common_name_the_service_refuses_never_replaces_a_working_certificate(site, request):
    files_before, aws_before = site.files(), aws_snapshot(site.server)
    refused = site.run(ENROLL_PLAY, rolesanywhere_common_name="h" * 65)
    text = outputs(refused)
    unintended = bool(changed_paths(files_before, site.files())) or aws_before != aws_snapshot(site.server)
    record(request, "refused cleanly", traceback=TRACEBACK in text, unintended_change=unintended)
    assert refused.rc != 0
    failure = [r for r in refused.results if r["result"].get("failed")][0]
    assert "rolesanywhere_common_name" in failure["result"]["msg"], failure
    assert not unintended and TRACEBACK not in text and not secrets_in(text, site.secrets())


def test_enroll_interrupted_after_the_key_converges(site, request):
    # The run stopped after the key and before the certificate: the certificate files are not there.
    for name in ("certificate.pem", "chain.pem"):
        if os.path.exists(site.host_file(name)):
            os.unlink(site.host_file(name))
    key_before = site.key_pem()
    again = site.run(ENROLL_PLAY)
    record(request, "converged", traceback=TRACEBACK in outputs(again))
    assert again.rc == 0, again.explain()
    assert os.path.exists(site.host_file("certificate.pem")) and site.key_pem() == key_before
    assert again.action("certificate_install", HOST)["changed"]
    assert not secrets_in(outputs(again), site.secrets())


def test_rotation_interrupted_after_the_new_key_converges(site, request):
    # The rotation stopped after writing the pending key beside the working one (its first step).
    first = site.run(
        [
            {
                "hosts": "all",
                "gather_facts": False,
                "tasks": [
                    {
                        "name": "pending key",
                        "hybridcloud.rolesanywhere.certificate_request": {
                            "common_name": HOST,
                            "cert_dir": os.path.dirname(site.host_file("x")),
                            "rotate": True,
                        },
                    }
                ],
            }
        ]
    )
    assert first.rc == 0 and os.path.exists(site.host_file("private-key.pem.next")), first.explain()
    key_before = site.key_pem()
    again = site.run(ENROLL_PLAY, rolesanywhere_rotate_key=True)
    record(request, "converged", traceback=TRACEBACK in outputs(again))
    assert again.rc == 0, again.explain()
    assert not os.path.exists(site.host_file("private-key.pem.next")) and site.key_pem() != key_before
    assert not secrets_in(outputs(again), site.secrets())


@pytest.mark.parametrize("trust_exists", [False, True], ids=["no-trust-anchor", "trust-anchor-exists"])
def test_check_mode_on_a_fleet_never_onboarded_reports_and_succeeds(site, request, trust_exists):
    fresh = {
        "rolesanywhere_trust_anchor_name": "rel-fresh-anchor",
        "rolesanywhere_profile_name": "rel-fresh-profile",
        "rolesanywhere_role_name": "rel-fresh-role",
        "rolesanywhere_ca_path": os.path.join(site.root, "fresh-ca"),
    }
    names = {} if trust_exists else fresh
    hosts = ("fresh-%d-1" % trust_exists, "fresh-%d-2" % trust_exists)
    files_before, aws_before = site.files(), aws_snapshot(site.server)
    predicted = site.run("hybridcloud.rolesanywhere.onboard", hosts=hosts, check=True, **names)
    unintended = bool(changed_paths(files_before, site.files())) or aws_before != aws_snapshot(site.server)
    record(request, "converged", traceback=TRACEBACK in outputs(predicted), unintended_change=unintended)
    assert predicted.rc == 0, predicted.explain()
    assert all(predicted.stats[host]["changed"] > 0 for host in hosts), predicted.stats
    assert not unintended
