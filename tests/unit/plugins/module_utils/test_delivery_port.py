"""Who holds a serve port: /proc parsing and the own-process rule, against real sockets of this process."""

import os
import socket

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import delivery_port

CURRENT_USER = delivery_port.process(os.getpid())["user"]


def _listener(host="127.0.0.1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind((host, 0))
    listener.listen(1)
    return listener


def test_proc_net_addresses_are_decoded_word_by_word():
    assert str(delivery_port._address("0100007F")) == "127.0.0.1"
    assert str(delivery_port._address("00000000000000000000000001000000")) == "::1"
    mapped = delivery_port._address("0000000000000000FFFF00000100007F")
    assert str(mapped.ipv4_mapped) == "127.0.0.1" and delivery_port._conflicts_with_loopback(mapped)


def test_a_free_port_is_free():
    with _listener() as listener:
        port = listener.getsockname()[1]
    assert delivery_port.port_state(port, CURRENT_USER, [])["state"] == "free"


def test_a_foreign_listener_is_named_with_pid_user_and_command():
    with _listener() as listener:
        port = listener.getsockname()[1]
        state = delivery_port.port_state(port, "someone-else", ["/usr/bin/other serve --port %d" % port])
    assert state["state"] == "taken" and state["bind_error"] == "EADDRINUSE"
    assert [holder["pid"] for holder in state["holders"]] == [os.getpid()]
    message = delivery_port.taken_message({"unit": "u.service", "user": "app"}, state)
    assert "Port %d on 127.0.0.1" % port in message and "u.service" in message
    assert "pid %d (user %s)" % (os.getpid(), CURRENT_USER) in message
    assert "delivery_port" in message and "rolesanywhere_delivery_port_range" in message


def test_a_wildcard_listener_blocks_loopback_too():
    with _listener("0.0.0.0") as listener:
        port = listener.getsockname()[1]
        assert delivery_port.port_state(port, "someone-else", [])["state"] == "taken"


def test_the_units_own_process_may_hold_its_port():
    # This process stands for the unit's: its user, its command line (an interpreter before a script is allowed).
    own_argv = delivery_port.process(os.getpid())["argv"]
    with _listener() as listener:
        port = listener.getsockname()[1]
        by_command = delivery_port.port_state(port, CURRENT_USER, [None, " ".join(map(repr, own_argv))])
        by_main_pid = delivery_port.port_state(port, "someone-else", [], main_pids=(os.getpid(),))
        other_user = delivery_port.port_state(port, "someone-else", [" ".join(map(repr, own_argv))])
    assert by_command["state"] == "own" and by_main_pid["state"] == "own"
    assert other_user["state"] == "taken"


def test_command_lines_match_with_an_interpreter_in_front():
    command = "/home/app/bin/rolesanywhere-credential-process serve --port 49512 --role-arn 'arn:aws:iam::1:role/a b'"
    argv = [
        "/usr/bin/python3",
        "/home/app/bin/rolesanywhere-credential-process",
        "serve",
        "--port",
        "49512",
        "--role-arn",
        "arn:aws:iam::1:role/a b",
    ]
    assert delivery_port.runs_command(argv, command)
    assert delivery_port.runs_command(argv[1:], command)
    assert not delivery_port.runs_command(argv[:-1], command)
    assert not delivery_port.runs_command(argv, "unbalanced 'quote")


def test_the_exec_start_of_an_installed_unit_is_read_without_systemd_escapes(tmp_path):
    unit = tmp_path / "a.service"
    unit.write_text("[Service]\nUser=app\nExecStart=/bin/helper serve --name 100%%-$$HOME\n")
    assert delivery_port.unit_exec_start(str(unit)) == "/bin/helper serve --name 100%-$HOME"
    assert delivery_port.unit_exec_start(str(tmp_path / "missing.service")) is None
