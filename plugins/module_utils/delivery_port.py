# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who holds a TCP port on loopback: free, the serve unit's own process, or something else (named when visible).

A serve unit that starts while another program listens on its port dies at once and systemd restarts it forever; the
workload meanwhile asks the other program for credentials. The role therefore looks before it (re)starts a unit. The
port is tried with a bind (what the service will do), and a port that cannot be bound is traced through
/proc/net/tcp{,6} (listening sockets and their inodes) and /proc/<pid>/fd (which process has that inode open). Only
root sees every process's descriptors; an unprivileged run names the holder when it is its own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import ipaddress
import os
import pwd
import re
import shlex
import socket
import time

TCP_LISTEN = "0A"
PROC_NET_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")
UNIT_PREFIX = "rolesanywhere-credentials-"


def unit_name(user, aws_profile, prefix=UNIT_PREFIX):
    """The file name of the serve or update unit the credential_helper role installs for a user and AWS profile."""
    return "%s%s.service" % (prefix, re.sub(r"[^A-Za-z0-9_.-]", "_", "%s-%s" % (user, aws_profile)))


def bind_error(port, host="127.0.0.1"):
    """None when a listener could bind host:port now (as the service will, with SO_REUSEADDR), else the OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        return None
    except OSError as exc:
        return exc
    finally:
        probe.close()


def _address(hex_address):
    """An address of /proc/net/tcp{,6}: 32-bit words in host (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    words = [raw[index : index + 4][::-1] for index in range(0, len(raw), 4)]
    return ipaddress.ip_address(b"".join(words))


def _conflicts_with_loopback(address):
    # A listener on the wildcard address or anywhere in loopback keeps 127.0.0.1 from being bound.
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_unspecified or address.is_loopback


def socket_tables_readable(tables=PROC_NET_TABLES):
    """Whether any of the kernel's socket tables can be read (a restricted /proc may hide them)."""
    return any(os.access(table, os.R_OK) for table in tables)


def listening_inodes(port, tables=PROC_NET_TABLES):
    """Socket inodes listening on port on loopback or the wildcard address."""
    inodes = set()
    for table in tables:
        try:
            with open(table) as handle:
                lines = handle.readlines()[1:]
        except (IOError, OSError):
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != TCP_LISTEN:
                continue
            hex_address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and _conflicts_with_loopback(_address(hex_address)):
                inodes.add(fields[9])
    return inodes


def _read(path, mode="r"):
    try:
        with open(path, mode) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def process(pid, proc="/proc"):
    """What can be told about a process: pid, uid, user, argv (None when it is gone)."""
    try:
        uid = os.stat(os.path.join(proc, str(pid))).st_uid
    except OSError:
        return None
    raw = _read(os.path.join(proc, str(pid), "cmdline"), "rb") or b""
    argv = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
    return {"pid": pid, "uid": uid, "user": _user_name(uid), "argv": argv}


def holders(inodes, proc="/proc"):
    """The processes that have one of these socket inodes open (those whose descriptors this user may read)."""
    wanted = set("socket:[%s]" % inode for inode in inodes)
    found = []
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        fd_dir = os.path.join(proc, entry, "fd")
        try:
            descriptors = os.listdir(fd_dir)
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                target = os.readlink(os.path.join(fd_dir, descriptor))
            except OSError:
                continue
            if target in wanted:
                holder = process(int(entry), proc)
                if holder:
                    found.append(holder)
                break
    return found


def unit_exec_start(unit_path):
    """The ExecStart command of an installed unit file, systemd's %% and $$ escapes undone; None without one."""
    text = _read(unit_path) if unit_path else None
    for line in (text or "").splitlines():
        if line.startswith("ExecStart="):
            return line[len("ExecStart=") :].replace("$$", "\0").replace("%%", "%").replace("\0", "$")
    return None


def runs_command(argv, command):
    """Whether a process's argv is this command line; a script's interpreter may stand before it (shebang)."""
    try:
        expected = shlex.split(command or "")
    except ValueError:
        return False
    return bool(expected) and argv[-len(expected) :] == expected


def is_own(holder, user, commands, main_pids=()):
    """The holder is the unit's own process: systemd's main PID, or the unit's user running the unit's command."""
    if holder["pid"] in main_pids:
        return True
    if holder["user"] != user:
        return False
    return any(runs_command(holder["argv"], command) for command in commands if command)


def describe(holder):
    command = " ".join(shlex.quote(part) for part in holder["argv"]) or "(command line not readable)"
    return "pid %d (user %s): %s" % (holder["pid"], holder["user"], command)


# How long a port that no program listens on, but a connection holds as its local port, is given to come free.
CONNECTION_SETTLE_SECONDS = 3.0
CONNECTION_POLL_SECONDS = 0.2


def _held_by_connection(error, port, tables):
    """The bind failed although no program listens: a connection uses the port as its local end.

    Where the socket tables cannot be read, a listener cannot be ruled out.
    """
    return error.errno == errno.EADDRINUSE and socket_tables_readable(tables) and not listening_inodes(port, tables)


def _bind_error_after_connections_close(port, host, tables, settle_seconds):
    """The bind error once connections that merely use the port as their local end had time to close.

    Ports in the kernel's ephemeral range are also handed to outgoing connections; such a connection keeps a bind
    from succeeding for as long as it lasts, which on loopback is usually a moment. Only a listener is a program
    that owns the port, so without one the bind is tried again for a few seconds before the port counts as taken.
    """
    deadline = time.monotonic() + settle_seconds
    error = bind_error(port, host)
    while error is not None and _held_by_connection(error, port, tables) and time.monotonic() < deadline:
        time.sleep(CONNECTION_POLL_SECONDS)
        error = bind_error(port, host)
    return error


def port_state(
    port,
    user,
    commands,
    host="127.0.0.1",
    main_pids=(),
    proc="/proc",
    tables=PROC_NET_TABLES,
    settle_seconds=CONNECTION_SETTLE_SECONDS,
):
    """free, own (held by the unit's own process), connection (a connection's local end, no listener) or taken.

    With the listeners found and the bind error if any.
    """
    error = _bind_error_after_connections_close(port, host, tables, settle_seconds)
    if error is None:
        return {"port": port, "state": "free", "holders": []}
    reason = errno.errorcode.get(error.errno, str(error.errno)) if error.errno else str(error)
    if _held_by_connection(error, port, tables):
        # No program owns the port: the unit's restarts (Restart=on-failure) bind it once the connection is gone.
        return {"port": port, "state": "connection", "holders": [], "bind_error": reason}
    found = holders(listening_inodes(port, tables), proc)
    own = bool(found) and all(is_own(holder, user, commands, main_pids) for holder in found)
    return {"port": port, "state": "own" if own else "taken", "holders": found, "bind_error": reason}


def taken_message(service, state):
    """The failure text: the port, the unit, the holder when known, and the two ways out."""
    if state["holders"]:
        holder_text = "held by " + "; ".join(describe(holder) for holder in state["holders"])
    elif state.get("bind_error") == "EADDRINUSE":
        holder_text = (
            "held by a process this run cannot see (run as root, or look with `ss -ltnp 'sport = :%d'`)" % state["port"]
        )
    else:
        holder_text = "not bindable (%s)" % state.get("bind_error")
    return (
        "Port %d on %s, where the serve unit %s of user %s must listen, is %s. Stop that program, or move this "
        "profile to a free port: set delivery_port in its rolesanywhere_profiles entry (or rolesanywhere_delivery_port "
        "for the single profile), or choose another rolesanywhere_delivery_port_range (the port is derived from "
        "the range per user and profile)."
        % (state["port"], service.get("host") or "127.0.0.1", service["unit"], service["user"], holder_text)
    )


def connection_warning(service, state):
    """The warning for a port a connection holds: the unit starts once it is released; how to keep this from recurring."""
    return (
        "Port %d on %s, where the serve unit %s of user %s listens, is held by a connection that uses it as its local "
        "port (no program listens on it; a connection that ended keeps it for up to a minute). The unit's restarts "
        "bind it once it is released. The port lies in the kernel's ephemeral range (net.ipv4.ip_local_port_range): "
        "reserve the serve ports with net.ipv4.ip_local_reserved_ports (see docs/credential-helper.md), or choose a "
        "rolesanywhere_delivery_port_range below that range."
        % (state["port"], service.get("host") or "127.0.0.1", service["unit"], service["user"])
    )
