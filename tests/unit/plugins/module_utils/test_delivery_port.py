"""Who holds a serve port: /proc parsing and the own-process rule, against real sockets of this process."""

import os
import socket
import threading

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


def _connection_from(port):
    """A loopback connection whose local end is port (no program listens on it), as an outgoing connection is when
    the kernel hands it a port of its ephemeral range."""
    server = _listener()
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.bind(("127.0.0.1", port))
    client.connect(server.getsockname())
    accepted, _address = server.accept()
    return server, client, accepted


def _unused_port():
    with _listener() as probe:
        return probe.getsockname()[1]


def test_a_port_only_a_connection_holds_is_no_listeners_and_only_warned_about():
    port = _unused_port()
    server, client, accepted = _connection_from(port)
    try:
        state = delivery_port.port_state(port, CURRENT_USER, [], settle_seconds=0.4)
    finally:
        for sock in (accepted, client, server):
            sock.close()
    assert state["state"] == "connection" and state["holders"] == [] and state["bind_error"] == "EADDRINUSE"
    warning = delivery_port.connection_warning({"unit": "u.service", "user": "app"}, state)
    assert "Port %d" % port in warning and "u.service" in warning and "no program listens" in warning
    assert "net.ipv4.ip_local_reserved_ports" in warning and "rolesanywhere_delivery_port_range" in warning


def test_a_port_whose_connection_is_closed_by_its_peer_within_the_wait_is_free():
    port = _unused_port()
    server, client, accepted = _connection_from(port)
    # The peer closes first, as a server that ends the exchange does: the waiting falls to the peer's end, and the
    # port of the connection's own end is released when it closes.
    closer = threading.Timer(0.3, lambda: [sock.close() for sock in (accepted, server, client)])
    closer.start()
    try:
        state = delivery_port.port_state(port, CURRENT_USER, [], settle_seconds=5)
    finally:
        closer.join()
    assert state["state"] == "free"


def test_without_readable_socket_tables_a_held_port_counts_as_taken(tmp_path):
    # A restricted /proc: no listener can be ruled out, so the port is not taken for a mere connection.
    port = _unused_port()
    server, client, accepted = _connection_from(port)
    hidden = (str(tmp_path / "tcp"), str(tmp_path / "tcp6"))
    try:
        state = delivery_port.port_state(port, CURRENT_USER, [], tables=hidden, settle_seconds=0.2)
    finally:
        for sock in (accepted, client, server):
            sock.close()
    assert state["state"] == "taken" and state["holders"] == [] and state["bind_error"] == "EADDRINUSE"
