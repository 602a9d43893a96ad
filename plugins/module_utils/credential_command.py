# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential helper's command line, defined once.

The same flags are written into AWS profiles (render) and into the serve and update services' units (service_argv,
exec_start), read back by the host checks (parse), and accepted by the collection's credential-process program
(add_session_arguments). The official aws_signing_helper uses the same names for the same flags; the flags only the
collection's program has (the cache, the refresh window, the credentials file) are written for it alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shlex

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import (
    service_limits,  # installed-program: bundled
)

DEFAULT_SUBCOMMAND = "credential-process"
SUBCOMMANDS = ("credential-process", "serve", "update")
DEFAULT_SESSION_DURATION = service_limits.SESSION_DURATION_DEFAULT

# The flags every subcommand that calls CreateSession accepts: (flag, argparse keywords).
SESSION_FLAGS = (
    ("--certificate", {"required": True, "help": "path of the end-entity certificate (PEM or DER)"}),
    ("--private-key", {"required": True, "help": "path of the unencrypted private key (PEM)"}),
    ("--intermediates", {"help": "path of a PEM bundle of intermediate CA certificates"}),
    ("--trust-anchor-arn", {"required": True}),
    ("--profile-arn", {"required": True}),
    ("--role-arn", {"required": True}),
    ("--region", {"help": "region of the endpoint (default: the trust anchor ARN's region)"}),
    ("--endpoint", {"help": "base URL of the Roles Anywhere endpoint"}),
    (
        "--session-duration",
        {
            "type": int,
            "default": DEFAULT_SESSION_DURATION,
            "help": "seconds, %d-%d (default %d)"
            % (service_limits.SESSION_DURATION_MIN, service_limits.SESSION_DURATION_MAX, DEFAULT_SESSION_DURATION),
        },
    ),
    ("--role-session-name", {"help": "session name (the profile must accept role session names)"}),
    (
        "--with-proxy",
        {
            "action": "store_true",
            "help": "accepted for compatibility: HTTPS_PROXY, HTTP_PROXY and NO_PROXY are always honoured",
        },
    ),
    ("--no-verify-ssl", {"action": "store_true", "help": "do not verify the endpoint's TLS certificate"}),
    ("--debug", {"action": "store_true", "help": "log each step to stderr (never secrets)"}),
)

# The structured fields a rendered line carries, in the order they are written: (field, flag).
RENDERED_FIELDS = (
    ("certificate", "--certificate"),
    ("private_key", "--private-key"),
    ("intermediates", "--intermediates"),
    ("trust_anchor_arn", "--trust-anchor-arn"),
    ("profile_arn", "--profile-arn"),
    ("role_arn", "--role-arn"),
    ("session_duration", "--session-duration"),
    ("role_session_name", "--role-session-name"),
    ("endpoint", "--endpoint"),
    ("cache_max_age", "--cache-max-age"),
)
REQUIRED_FIELDS = ("helper", "certificate", "private_key", "trust_anchor_arn", "profile_arn", "role_arn")

# The two programs that can run the command: the collection's program and the official aws_signing_helper.
HELPERS = ("python", "official")
# The flags a long-running mode adds after the session flags, in this order: (field, flag, helpers that accept it).
# The official helper's serve and update have no refresh window and write only ~/.aws/credentials.
SERVICE_FIELDS = {
    "serve": (
        ("port", "--port", HELPERS),
        ("refresh_window", "--refresh-window", ("python",)),
        ("refresh_min_lead", "--refresh-min-lead", ("python",)),
    ),
    "update": (
        ("profile", "--profile", HELPERS),
        ("credentials_file", "--credentials-file", ("python",)),
        ("refresh_window", "--refresh-window", ("python",)),
        ("refresh_min_lead", "--refresh-min-lead", ("python",)),
    ),
}
SERVICE_REQUIRED_FIELDS = {"serve": ("port",), "update": ("profile",)}

_INTERPRETER = re.compile(r"^python[0-9.]*$")


class CommandError(ValueError):
    """A command line cannot be rendered or split; the message names the field or the problem."""


def add_session_arguments(command):
    """Add the session flags to an argparse (sub)parser."""
    for flag, keywords in SESSION_FLAGS:
        command.add_argument(flag, **keywords)


def _is_empty(value):
    return value is None or value == "" or value is False


def _require(fields, names):
    missing = [name for name in names if _is_empty(fields.get(name))]
    if missing:
        raise CommandError("the credential helper command needs %s" % ", ".join(missing))


def argv(fields):
    """The words of the command for ``fields`` (helper, subcommand, the RENDERED_FIELDS, extra_args).

    Empty optional fields are left out; extra_args (flags such as ``--debug`` or ``--region=eu-west-1``) come last.
    """
    _require(fields, REQUIRED_FIELDS)
    subcommand = fields.get("subcommand") or DEFAULT_SUBCOMMAND
    if subcommand not in SUBCOMMANDS:
        raise CommandError("subcommand must be one of %s, got '%s'" % (", ".join(SUBCOMMANDS), subcommand))
    words = [fields["helper"], subcommand]
    for field, flag in RENDERED_FIELDS:
        value = fields.get(field)
        if not _is_empty(value):
            words += [flag, str(value)]
    return words + [str(word) for word in fields.get("extra_args") or []]


def render(fields):
    """The command line for ``fields`` (see argv), shell-quoted: the AWS profile's credential_process value."""
    return shell_line(argv(fields))


def shell_line(words):
    return " ".join(shlex.quote(word) for word in words)


def service_argv(fields, mode, helper):
    """The words a ``serve`` or ``update`` service of ``helper`` (python or official) runs.

    ``fields`` are those of argv plus the SERVICE_FIELDS of the mode; the flags ``helper`` does not have are left out
    (--cache-max-age belongs to credential-process only). The mode's flags follow extra_args, as they always did, so
    a unit written before keeps its bytes.
    """
    if mode not in SERVICE_FIELDS:
        raise CommandError("a service runs serve or update, not '%s'" % mode)
    if helper not in HELPERS:
        raise CommandError("signing helper must be one of %s, got '%s'" % (", ".join(HELPERS), helper))
    _require(fields, SERVICE_REQUIRED_FIELDS[mode])
    words = argv(dict(fields, subcommand=mode, cache_max_age=None))
    for field, flag, helpers in SERVICE_FIELDS[mode]:
        value = fields.get(field)
        if helper in helpers and not _is_empty(value):
            words += [flag, str(value)]
    return words


# Words systemd takes as they are; any other is double-quoted. Inside double quotes systemd, like a POSIX shell,
# reads \\ and \" as escapes, so the line splits the same with shlex (what the tests and delivery_port read it with).
_SYSTEMD_PLAIN_WORD = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def systemd_quote(word):
    """One word of an ExecStart line: quoted for systemd's splitting, its % specifiers and $ variables escaped."""
    if _CONTROL_CHARACTER.search(word):
        raise CommandError(
            "'%s' contains a control character, which a systemd unit cannot carry"
            % word.encode("unicode_escape").decode("ascii")
        )
    if not _SYSTEMD_PLAIN_WORD.match(word):
        word = '"%s"' % word.replace("\\", "\\\\").replace('"', '\\"')
    return word.replace("%", "%%").replace("$", "$$")


def exec_start(words):
    """The value of a unit's ExecStart= for ``words`` (systemd wants the program as an absolute path)."""
    if not words or not os.path.isabs(words[0]):
        raise CommandError("a systemd unit runs its program by absolute path, got '%s'" % (words[0] if words else ""))
    return " ".join(systemd_quote(word) for word in words)


def parse(command):
    """Split a command line into helper, interpreter, subcommand and --flags (name without dashes -> value or True).

    ``python3 /opt/helper.py credential-process ...`` counts the script, not the interpreter, as the helper.
    """
    try:
        words = shlex.split(command)
    except ValueError as error:
        raise CommandError("cannot split the credential_process command: {0}".format(error))
    if not words:
        raise CommandError("the credential_process command is empty")
    parsed = {"helper": words[0], "interpreter": None, "subcommand": None, "flags": {}}
    rest = words[1:]
    if _INTERPRETER.match(os.path.basename(words[0])) and rest and not rest[0].startswith("-"):
        parsed["interpreter"], parsed["helper"], rest = words[0], rest[0], rest[1:]
    if rest and not rest[0].startswith("-"):
        parsed["subcommand"], rest = rest[0], rest[1:]
    parsed["flags"] = _flags_of(rest)
    return parsed


def _flags_of(words):
    flags = {}
    index = 0
    while index < len(words):
        word = words[index]
        index += 1
        if not word.startswith("--"):
            continue
        name, separator, value = word[2:].partition("=")
        if not separator:
            if index < len(words) and not words[index].startswith("--"):
                value = words[index]
                index += 1
            else:
                value = True
        flags[name] = value
    return flags
