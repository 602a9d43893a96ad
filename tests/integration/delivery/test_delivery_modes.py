"""serve and update on a local host: the role's unit, run under a supervisor the test controls, feeds the AWS CLI.

Each mode runs with the collection's program and with the official aws_signing_helper (built from its Go module;
skipped, or failed in CI, without it). The unit's ExecStart line is what runs: see delivery_world for why a test
supervisor stands in for systemd here.
"""

import hashlib
import os
import signal
import socket
import threading
import time

import pytest
from delivery_world import AWS, PROFILE, listening, log_serial

from support.ansible_run import run_playbook

pytestmark = pytest.mark.root

PYTHON = {"rolesanywhere_signing_helper": "python"}


@pytest.fixture(params=["python", "official"])
def helper(request):
    if request.param == "official":
        return request.getfixturevalue("official_helper").role_vars()
    return PYTHON


@pytest.mark.parametrize("mode", ["serve", "update"])
def test_the_workload_gets_credentials_through_the_service(delivery_world, helper, mode):
    world = delivery_world(mode, helper)
    result = world.run_role()
    assert result.rc == 0, result.explain()
    (unit,) = world.unit_files()
    text = unit.read_text()
    assert "User=%s\n" % world.user in text and "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text
    assert "Restart=on-failure" in text and "PrivateTmp=yes" in text
    assert ("ReadWritePaths=%s/.aws\n" % world.home in text) == (mode == "update")
    config = world.config_text()
    assert "credential_process" not in config
    assert ("ec2_metadata_service_endpoint = http://127.0.0.1:" in config) == (mode == "serve")
    # A second run changes nothing and keeps the port.
    port = world.metadata_port()
    again = world.run_role()
    assert again.rc == 0 and not again.changed, again.explain()
    assert world.metadata_port() == port

    world.start_service()
    world.ready()
    identity = world.caller_identity()
    assert identity["Arn"].split("/")[-2] == world.trust.role_arn.split("/")[-1]
    if mode == "update":
        credentials = world.credentials_file()
        assert oct(credentials.stat().st_mode & 0o777) == "0o600"
        assert credentials.stat().st_uid == world.account.pw_uid
    # One CreateSession serves the workload's many processes: further workload calls add none. (The service's own
    # call may be retried by its SDK on a transient error after the stand-in logged it, so the count is taken here.)
    sessions = len(world.sessions())
    for _attempt in range(3):
        world.caller_identity()
    assert len(world.sessions()) == sessions, world.explain()


@pytest.mark.parametrize("mode", ["serve", "update"])
def test_a_killed_service_comes_back_and_a_rotated_certificate_is_used(delivery_world, helper, mode):
    world = delivery_world(mode, helper)
    assert world.run_role().rc == 0
    supervised = world.start_service()
    world.ready()
    world.caller_identity()

    supervised.kill(signal.SIGKILL)  # a crash: Restart=on-failure brings it back
    world.wait_for(lambda: supervised.starts >= 2 and supervised.running(), "the restart after the crash")
    # The workload gets credentials again, from a session of the new process (the old one's died with it). The wait
    # is on the workload's call, not on the service's first CreateSession: the official helper's serve makes that
    # call as it starts but goes on without credentials when it fails, and fetches them at the first request.
    world.wait_for(world.workload_gets_credentials, "the workload's credentials after the restart")
    world.wait_for(lambda: len(world.sessions()) >= 2, "the restarted service's CreateSession")

    old_serial = log_serial(world.certificate)
    world.rotate()
    new_serial = log_serial(world.certificate)
    if helper is PYTHON:
        # The program notices the new files by itself: no restart of the service, none of the workload.
        world.wait_for(lambda: world.sessions(new_serial), "a CreateSession with the rotated certificate")
    else:
        # The official helper reads its certificate once: the enroll role's handler restarts the unit on systemd.
        supervised.restart()
        world.wait_for(lambda: world.sessions(new_serial), "a CreateSession with the rotated certificate")
    assert world.sessions(old_serial)
    world.caller_identity()


@pytest.mark.parametrize("mode", ["serve", "update"])
def test_offboarding_leaves_no_unit_listener_or_credentials(delivery_world, mode):
    world = delivery_world(mode, PYTHON)
    assert world.run_role().rc == 0
    supervised = world.start_service()
    world.ready()
    port = world.metadata_port()
    removed = world.run_role(rolesanywhere_credential_helper_state="absent")
    assert removed.rc == 0, removed.explain()
    assert world.unit_files() == []
    # What systemctl stop does on a systemd host; here the test's supervisor stops the unit whose file is gone.
    supervised.stop()
    if mode == "serve":
        assert not listening(port)
    else:
        assert "[%s]" % PROFILE not in world.credentials_file().read_text()
    assert "[profile %s]" % PROFILE not in world.config_text()


def test_without_systemd_the_role_says_what_to_set(delivery_world):
    world = delivery_world("serve", PYTHON)
    result = world.run_role(rolesanywhere_service_manager="auto")
    assert result.rc != 0
    assert "does not run systemd" in result.explain() and "rolesanywhere_service_manager: none" in result.explain()
    assert world.unit_files() == []


def _derived_port(user):
    """The port the role derives for a user's profile from the default range (see tasks/profiles.yml)."""
    digest = hashlib.sha1(("%s:%s" % (user, PROFILE)).encode()).hexdigest()
    return 49400 + int(digest[:8], 16) % 600


def _squat(port):
    """Another program listening on the port (this test process)."""
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", port))
    squatter.listen(5)
    return squatter


def _assert_names_the_port_holder_and_fix(result, port, unit_name):
    text = result.explain()
    assert result.rc != 0
    assert "Port %d on 127.0.0.1" % port in text and unit_name in text, text
    assert "pid %d (user root)" % os.getpid() in text, text
    assert "delivery_port" in text and "rolesanywhere_delivery_port_range" in text, text


def test_a_port_another_program_holds_stops_the_role_before_any_unit_change(delivery_world):
    world = delivery_world("serve", PYTHON)
    port = _derived_port(world.user)
    unit_name = "rolesanywhere-credentials-%s-%s.service" % (world.user, PROFILE)

    # First install, port taken: no unit is installed, and the AWS profile does not send the workload to that program.
    with _squat(port):
        refused = world.run_role()
    _assert_names_the_port_holder_and_fix(refused, port, unit_name)
    assert world.unit_files() == []
    assert world.metadata_port() is None

    assert world.run_role().rc == 0
    assert world.metadata_port() == port
    supervised = world.start_service()
    world.ready()
    # The unit's own process on the port is no obstacle, even when its command line is about to change, nor when the
    # profile lost its endpoint (edited by hand) and the host step looks at the port before it writes it again.
    config = world.home / ".aws" / "config"
    config.write_text(config.read_text().replace("ec2_metadata_service_endpoint", "# ec2_metadata_service_endpoint"))
    rerun = world.run_role(rolesanywhere_refresh_window=900)
    assert rerun.rc == 0, rerun.explain()
    assert world.metadata_port() == port
    supervised.stop()
    world.wait_for(lambda: not listening(port), "the stopped service to release its port")

    (unit,) = world.unit_files()
    watched = [unit, world.home / ".aws" / "config"]
    before = [(path.read_bytes(), path.stat().st_mtime_ns) for path in watched]
    with _squat(port) as squatter:
        refused = world.run_role(rolesanywhere_refresh_window=1200)
        assert squatter.getsockname() == ("127.0.0.1", port) and listening(port)
    _assert_names_the_port_holder_and_fix(refused, port, unit_name)
    # Nothing changed: the unit keeps its ExecStart, the AWS profile its endpoint.
    assert [(path.read_bytes(), path.stat().st_mtime_ns) for path in watched] == before
    assert "--refresh-window 900 " in unit.read_text()


def verify(world, **extra):
    """The verify_access module, as the workload's user sees the profile (root here, with the user's files)."""
    arguments = {
        "profile": PROFILE,
        "region": "eu-west-1",
        "aws_cli": AWS,
        "delivery": world.mode,
        "aws_config_file": str(world.home / ".aws" / "config"),
        "session_duration": 900,
        "fail_on_error": False,
    }
    if world.mode == "update":
        arguments["credentials_file"] = str(world.credentials_file())
    arguments.update(extra)
    play = [
        {
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "tasks": [{"name": "verify", "hybridcloud.rolesanywhere.verify_access": arguments, "register": "checked"}],
        }
    ]
    result = run_playbook(play, tmp_path=world.tmp_path)
    assert result.rc == 0, result.explain()
    return result.task("verify")


@pytest.mark.parametrize("mode", ["serve", "update"])
def test_verify_proves_the_mode_and_names_a_stopped_service(delivery_world, mode):
    world = delivery_world(mode, PYTHON)
    assert world.run_role().rc == 0
    supervised = world.start_service()
    world.ready()
    checked = verify(world)
    assert checked["ok"] is True and checked["delivery"] == mode, checked
    assert checked["assumed_role_arn"].split("/")[-2] == world.trust.role_arn.split("/")[-1]

    supervised.stop()
    if mode == "serve":
        checked = verify(world)
        assert checked["diagnosis"]["code"] == "delivery_service_down", checked
        # verify runs as root here: the unit it names is the running user's (the verify role becomes the service user).
        assert "systemctl start rolesanywhere-credentials-" in checked["diagnosis"]["fix"]
        # Another program on the port: it answers, but not as instance metadata.
        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", world.metadata_port()))
            squatter.listen(5)
            server = threading.Thread(target=_answer_not_found, args=(squatter,), daemon=True)
            server.start()
            checked = verify(world)
        assert checked["diagnosis"]["code"] == "delivery_port_taken", checked
    else:
        # Credentials written longer ago than a session: expired, whatever the file says.
        old = time.time() - 3600
        os.utime(str(world.credentials_file()), (old, old))
        checked = verify(world)
        assert checked["diagnosis"]["code"] == "credentials_file_stale", checked
        world.credentials_file().write_text("")
        checked = verify(world)
        assert checked["diagnosis"]["code"] == "credentials_file_missing", checked


def _answer_not_found(listener):
    while True:
        try:
            connection, _address = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
