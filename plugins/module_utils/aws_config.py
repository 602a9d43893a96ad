# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edit one profile of an AWS CLI/SDK config file and leave every other byte alone.

configparser would drop comments and reorder nothing-but-everything on write, so this is a
small line-based section editor: a file is a preamble plus sections, each section a header
line and the lines up to the next header.  Only the lines that must change are touched;
the line endings of the file are kept.
"""

import os
import re

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files

HEADER = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]\s*(?:[#;].*)?$")
KEY_VALUE = re.compile(r"^([^\s=#;\[][^=]*?)\s*=\s*(.*?)\s*$")
KEY_NAME = re.compile(r"^[A-Za-z0-9_]+$")
PROFILE_NAME = re.compile(r"^[A-Za-z0-9_.@+=,:/-]+$")
DEFAULT_ENDPOINT_SERVICES = ("sts", "redshift", "iam", "rolesanywhere")


class ConfigError(Exception):
    """The file or the requested profile cannot be edited safely; the message says why and how to fix it."""


class Section(object):
    """A section: its name, the index of its header line and the index after its last line."""

    def __init__(self, name, start, end):
        self.name = name
        self.start = start
        self.end = end


def _is_comment(line):
    return line.lstrip().startswith(("#", ";"))


def _is_blank(line):
    return not line.strip()


def split_lines(text):
    return text.splitlines(True)


def newline_of(lines):
    """The file's own line ending, so added lines look like the old ones."""
    for line in lines:
        if line.endswith("\r\n"):
            return "\r\n"
        if line.endswith("\n"):
            return "\n"
    return "\n"


def check_parsable(lines, path="the AWS config file"):
    """Refuse a file the AWS CLI cannot parse, naming the line: editing it would hide the problem, not fix it.

    The CLI (Python's configparser) refuses a setting before the first [section] header and a line that is neither
    a header, a ``key = value`` setting, a comment nor an indented continuation. The line itself is not quoted: it
    may hold a secret.
    """
    in_section = False
    for number, line in enumerate(lines, 1):
        text = line.rstrip("\r\n")
        if _is_blank(text) or _is_comment(text):
            continue
        if HEADER.match(text):
            in_section = True
            continue
        if text[:1] in (" ", "\t") and in_section:
            continue
        if not in_section:
            raise ConfigError(
                "%s line %d is a setting before any [section] header; the AWS CLI cannot parse the file. "
                "Fix or remove that line, then run again (nothing was changed)" % (path, number)
            )
        if "=" not in text and ":" not in text:
            raise ConfigError(
                "%s line %d is neither a [section] header nor a 'key = value' setting; the AWS CLI cannot "
                "parse the file. Fix or remove that line, then run again (nothing was changed)" % (path, number)
            )


def find_sections(lines):
    sections = []
    for index, line in enumerate(lines):
        match = HEADER.match(line.rstrip("\r\n"))
        if match:
            if sections:
                sections[-1].end = index
            sections.append(Section(" ".join(match.group(1).split()), index, len(lines)))
    return sections


def find_section(lines, name, path="the AWS config file"):
    """The one section called ``name``, or None; two of them would make the AWS CLI fail, so refuse."""
    matches = [section for section in find_sections(lines) if section.name == name]
    if len(matches) > 1:
        raise ConfigError(
            "%s has %d [%s] sections (lines %s); the AWS CLI refuses such a file. Merge them into one and run again."
            % (path, len(matches), name, ", ".join(str(s.start + 1) for s in matches))
        )
    return matches[0] if matches else None


def profile_section_name(profile, file_kind="config"):
    # The CLI reads the default profile from [default]; every other profile from [profile NAME] in the config file and
    # from [NAME] in the credentials file.
    if profile == "default" or file_kind == "credentials":
        return profile
    return "profile %s" % profile


def services_section_name(name):
    return "services %s" % name


def validate_profile_name(field, name):
    if not isinstance(name, str) or not PROFILE_NAME.match(name):
        raise ConfigError("%s %r is not valid; use letters, digits and _.@+=,:/- only" % (field, name))


def validate_settings(settings):
    """Keys must be plain names and values single lines: a newline would inject config lines."""
    for key, value in settings.items():
        if not KEY_NAME.match(key):
            raise ConfigError("setting name %r is not valid; use letters, digits and underscores" % (key,))
        if value is not None and ("\n" in str(value) or "\r" in str(value)):
            raise ConfigError(
                "setting %s must be one line; the AWS CLI reads only the first line of a value "
                "(credential_process especially must not be continued)" % key
            )


def _body_key_lines(lines, section):
    """Map key (lower case) -> line index for the section's top-level ``key = value`` lines."""
    keys = {}
    for index in range(section.start + 1, section.end):
        line = lines[index]
        if _is_comment(line) or _is_blank(line) or line[:1] in (" ", "\t"):
            continue
        match = KEY_VALUE.match(line.rstrip("\r\n"))
        if match:
            keys.setdefault(match.group(1).strip().lower(), index)
    return keys


def _content_end(lines, section):
    """Index after the section's last line that is neither blank nor a comment.

    Comments and blank lines at the end of a section usually introduce the next one,
    so new keys go before them and a removed section leaves them in place.
    """
    end = section.end
    while end > section.start + 1 and (_is_blank(lines[end - 1]) or _is_comment(lines[end - 1])):
        end -= 1
    return end


def _removal_end(lines, section):
    """Index after the lines that go away with the section: its content and the blank lines that follow it."""
    end = _content_end(lines, section)
    while end < section.end and _is_blank(lines[end]):
        end += 1
    return end


def _key_value_line(key, value, newline):
    return "%s = %s%s" % (key, value, newline)


def _ensure_trailing_newline(lines, newline):
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] = lines[-1] + newline


def _append_section(lines, header, body, newline):
    _ensure_trailing_newline(lines, newline)
    if lines and lines[-1] not in ("\n", "\r\n"):
        lines.append(newline)
    lines.append("[%s]%s" % (header, newline))
    lines.extend(body)


def set_section_keys(lines, name, settings, newline, path="the AWS config file"):
    """Give section ``name`` these settings (None removes a key); add the section at the end when missing."""
    section = find_section(lines, name, path)
    if section is None:
        body = [_key_value_line(key, value, newline) for key, value in settings.items() if value is not None]
        if body:
            _append_section(lines, name, body, newline)
        return
    keys = _body_key_lines(lines, section)
    removals, additions = [], []
    for key, value in settings.items():
        index = keys.get(key.lower())
        if value is None:
            if index is not None:
                removals.append(index)
            continue
        if index is None:
            additions.append(_key_value_line(key, value, newline))
            continue
        current = KEY_VALUE.match(lines[index].rstrip("\r\n")).group(2)
        if current != str(value):
            ending = lines[index][len(lines[index].rstrip("\r\n")) :] or newline
            lines[index] = _key_value_line(key, value, ending)
    insert_at = _content_end(lines, section)
    if additions:
        _ensure_line_end(lines, insert_at - 1, newline)
        lines[insert_at:insert_at] = additions
    for index in sorted(removals, reverse=True):
        del lines[index]


def _ensure_line_end(lines, index, newline):
    if index >= 0 and not lines[index].endswith(("\n", "\r")):
        lines[index] = lines[index] + newline


def replace_section(lines, name, body, newline, path="the AWS config file"):
    """Make section ``name`` hold exactly ``body`` (a list of lines), in place, or at the end when missing."""
    section = find_section(lines, name, path)
    if section is None:
        _append_section(lines, name, body, newline)
        return
    end = _content_end(lines, section)
    if lines[section.start + 1 : end] != body:
        _ensure_line_end(lines, section.start, newline)
        lines[section.start + 1 : end] = body


def remove_section(lines, name, path="the AWS config file"):
    section = find_section(lines, name, path)
    if section is None:
        return
    start, end = section.start, _removal_end(lines, section)
    if end == len(lines) and start > 0 and lines[start - 1] in ("\n", "\r\n"):
        start -= 1  # the blank line that separated an appended section from the text before it
    del lines[start:end]


def services_body(service_endpoints, newline):
    """The nested ``service = / endpoint_url = URL`` lines of a [services NAME] section, one pair per service."""
    body = []
    for service, endpoint_url in service_endpoints.items():
        body.append("%s =%s" % (service, newline))
        body.append("  endpoint_url = %s%s" % (endpoint_url, newline))
    return body


def service_endpoints(endpoint_url=None, services=DEFAULT_ENDPOINT_SERVICES, endpoints=None):
    """Service name -> URL: ``endpoint_url`` for each of ``services`` (the shorthand), then ``endpoints`` over it.

    Real VPC endpoints have one DNS name per service, hence the map; a local stand-in answers every service on one
    URL, hence the shorthand.  The shorthand's services come first, in their order, then the map's own.
    """
    merged = dict((service, endpoint_url) for service in services) if endpoint_url is not None else {}
    merged.update(endpoints or {})
    for service, url in merged.items():
        if not isinstance(service, str) or not KEY_NAME.match(service):
            raise ConfigError(
                "service name %r is not valid; use the CLI's service names such as sts, redshift or "
                "rolesanywhere" % (service,)
            )
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise ConfigError(
                "the endpoint URL of %s, %r, is not valid; give a base URL such as "
                "https://vpce-0123-abcd.%s.us-east-1.vpce.amazonaws.com" % (service, url, service)
            )
    return merged


def render_profile(
    text,
    profile,
    settings,
    endpoint_url=None,
    services_name=None,
    services=DEFAULT_ENDPOINT_SERVICES,
    path="the AWS config file",
    endpoints=None,
):
    """Return ``text`` with the profile holding ``settings`` (ordered; None removes a key).

    With ``endpoint_url`` (for each of ``services``) and/or ``endpoints`` (service -> URL), the profile also gets
    ``services = services_name`` and a ``[services services_name]`` section that sends each service to its URL.
    Without either, a services link and section of that name left from an earlier run are removed.
    """
    validate_profile_name("profile", profile)
    services_name = services_name or "%s-endpoints" % profile
    validate_profile_name("services_name", services_name)
    for service in services:
        if not KEY_NAME.match(service):
            raise ConfigError(
                "service name %r is not valid; use the CLI's service names such as sts or redshift" % (service,)
            )
    routes = service_endpoints(endpoint_url, services, endpoints)
    settings = dict(settings)
    if routes:
        settings["services"] = services_name
    validate_settings(dict(settings, endpoint_url=endpoint_url))
    lines = split_lines(text)
    newline = newline_of(lines)
    section = profile_section_name(profile)
    if not routes:
        existing = find_section(lines, section, path)
        linked = existing is not None and _linked_services(lines, existing)
        if linked == services_name:
            settings["services"] = None
        set_section_keys(lines, section, settings, newline, path)
        remove_section(lines, services_section_name(services_name), path)
    else:
        set_section_keys(lines, section, settings, newline, path)
        replace_section(lines, services_section_name(services_name), services_body(routes, newline), newline, path)
    return "".join(lines)


def _linked_services(lines, section):
    index = _body_key_lines(lines, section).get("services")
    return None if index is None else KEY_VALUE.match(lines[index].rstrip("\r\n")).group(2)


def remove_profile(text, profile, services_name=None, path="the AWS config file", file_kind="config"):
    """Return ``text`` without the profile's section and without the services section it owns."""
    validate_profile_name("profile", profile)
    services_name = services_name or "%s-endpoints" % profile
    lines = split_lines(text)
    remove_section(lines, profile_section_name(profile, file_kind), path)
    remove_section(lines, services_section_name(services_name), path)
    return "".join(lines)


def read_profile(text, profile, file_kind="config"):
    """The top-level settings of a profile as a dict (None when the profile is missing)."""
    lines = split_lines(text)
    section = find_section(lines, profile_section_name(profile, file_kind))
    if section is None:
        return None
    return dict(
        (key, KEY_VALUE.match(lines[index].rstrip("\r\n")).group(2))
        for key, index in _body_key_lines(lines, section).items()
    )


def profile_settings(region=None, credential_process=None, extra=None):
    """The profile's top-level keys: region, credential_process, then ``extra`` (a None value removes that key)."""
    settings = {}
    if region is not None:
        settings["region"] = region
    if credential_process is not None:
        settings["credential_process"] = credential_process
    for key, value in (extra or {}).items():
        settings[key] = None if value is None else str(value)
    return settings


# --- the file on disk ---------------------------------------------------------------------


def default_config_path(owner=None):
    """``~OWNER/.aws/config`` (the running user's home when no owner is given)."""
    return os.path.join(atomic_files.home_of(owner), ".aws", "config")


def parse_mode(mode):
    """Accept 0600 as an int or an octal string such as '0600'; the file keeps a key-free but private mode."""
    try:
        value = mode if isinstance(mode, int) else int(str(mode), 8)
    except ValueError:
        value = -1
    if not 0 <= value <= 0o777:
        raise ConfigError("mode %r is not valid; give an octal file mode such as '0600'" % (mode,))
    return value


def ensure_profile_file(
    path,
    profile,
    state="present",
    settings=None,
    endpoint_url=None,
    services_name=None,
    services=DEFAULT_ENDPOINT_SERVICES,
    owner=None,
    group=None,
    mode=0o600,
    check_mode=False,
    endpoints=None,
    file_kind="config",
):
    """Bring the profile in the file at ``path`` to ``state``; return (changed, before text, after text).

    ``file_kind`` credentials names the section [NAME], as the AWS credentials file does; only state absent is
    offered for it (the credentials in it come from the update service, never from here).

    The file and any missing parent directories (0700) belong to ``owner``/``group``.  The new
    file replaces the old one atomically and has its final owner and mode before any byte lands.
    """
    try:
        uid, gid = atomic_files.resolve_owner(owner, group)
        # Edit the file a link points at, instead of replacing the link, but only a link that root or the running
        # user made: a link the service user planted in its own ~/.aws is refused, never followed as root.
        path = atomic_files.resolve_path(path)
        raw = atomic_files.read_bytes(path)
    except atomic_files.FileWriteError as exc:
        raise ConfigError(str(exc))
    if raw is None and state == "absent":
        return False, "", ""
    before = "" if raw is None else raw.decode("utf-8", "surrogateescape")
    check_parsable(split_lines(before), path)
    if state == "absent":
        after = remove_profile(before, profile, services_name, path, file_kind)
    else:
        after = render_profile(before, profile, settings or {}, endpoint_url, services_name, services, path, endpoints)
    content = after.encode("utf-8", "surrogateescape")
    try:
        if (
            raw is not None
            and content == raw
            and (state == "absent" or not atomic_files.needs_write(path, content, mode, uid, gid))
        ):
            return False, before, after
        if not check_mode:
            atomic_files.ensure_directory(os.path.dirname(path), 0o700, uid, gid)
        changed = atomic_files.ensure_file(path, content, mode, uid, gid, check_mode=check_mode)
    except atomic_files.FileWriteError as exc:
        raise ConfigError(str(exc))
    return changed, before, after
