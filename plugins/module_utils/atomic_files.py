# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic file writes with the final mode and owner from the first byte (standard library only).

A key file must never exist, even for an instant, with a wider mode than its final one, and a reader
must never see a half-written certificate: write a temporary file in the same directory, created
0600 by ``mkstemp``, give it its owner and final mode while it is still empty, fill it, fsync, and
rename it over the target.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import os
import pwd
import stat
import tempfile


class FileWriteError(Exception):
    """A file or directory could not be written; the message names the path and the cause."""


def resolve_owner(user=None, group=None):
    """Map user/group names (or None: keep the caller's) to (uid, gid); -1 means unchanged for fchown."""
    uid, gid = -1, -1
    if user not in (None, ""):
        try:
            entry = pwd.getpwnam(user) if not str(user).isdigit() else pwd.getpwuid(int(user))
        except KeyError:
            raise FileWriteError("user '%s' does not exist on this host; create it or set the service user to an existing one" % user)
        uid, gid = entry.pw_uid, entry.pw_gid
    if group not in (None, ""):
        try:
            gid = grp.getgrnam(group).gr_gid if not str(group).isdigit() else int(group)
        except KeyError:
            raise FileWriteError("group '%s' does not exist on this host" % group)
    return uid, gid


def home_of(user=None):
    """Home directory of ``user`` (default: the user running this code)."""
    try:
        entry = pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())
    except KeyError:
        raise FileWriteError("user '%s' does not exist on this host" % user)
    return entry.pw_dir


def file_state(path):
    """(exists, mode, uid, gid) of a path, without following a final symlink's target mode surprises."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False, None, None, None
    return True, stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid


def read_bytes(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def needs_write(path, content, mode, uid=-1, gid=-1):
    """True when the file is missing or differs in content, mode or owner."""
    exists, current_mode, current_uid, current_gid = file_state(path)
    if not exists:
        return True
    if current_mode != mode or (uid != -1 and current_uid != uid) or (gid != -1 and current_gid != gid):
        return True
    return read_bytes(path) != content


def ensure_directory(path, mode=0o700, uid=-1, gid=-1):
    """Create missing directories (created with ``mode``); return True when something was created."""
    if os.path.isdir(path):
        return False
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        ensure_directory(parent, mode, uid, gid)
    try:
        os.mkdir(path, mode)
        if uid != -1 or gid != -1:
            os.chown(path, uid, gid)
    except OSError as exc:
        raise FileWriteError("cannot create directory %s: %s" % (path, exc))
    return True


def _create_temporary(directory, basename, uid, gid):
    """mkstemp (0600), as the target owner when root writes for another user and that user may write the directory,
    so that even the empty temporary file never belongs to anybody else."""
    prefix, suffix = ".%s." % basename, ".tmp"
    if os.geteuid() != 0 or uid in (-1, 0):
        return tempfile.mkstemp(dir=directory, prefix=prefix, suffix=suffix)
    saved_gid = os.getegid()
    os.setegid(gid if gid != -1 else saved_gid)
    os.seteuid(uid)
    try:
        return tempfile.mkstemp(dir=directory, prefix=prefix, suffix=suffix)
    except PermissionError:
        pass  # the user cannot write the directory; root creates the file and hands it over below
    finally:
        os.seteuid(0)
        os.setegid(saved_gid)
    return tempfile.mkstemp(dir=directory, prefix=prefix, suffix=suffix)


def write_atomically(path, content, mode, uid=-1, gid=-1):
    """Replace ``path`` with ``content`` (bytes); the file carries ``mode`` and owner before any byte lands."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temp_path = _create_temporary(directory, os.path.basename(path), uid, gid)
    except OSError as exc:
        raise FileWriteError("cannot create a temporary file in %s: %s" % (directory, exc))
    try:
        # mkstemp creates the file 0600 and empty; owner and mode are settled before the content is written.
        if uid != -1 or gid != -1:
            try:
                os.fchown(fd, uid, gid)
            except PermissionError:
                raise FileWriteError("cannot give %s to uid %s / gid %s: only root can; run the task as root (become: true) "
                                     "or as the service user itself" % (path, uid, gid))
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            fd = None
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
    except (OSError, FileWriteError) as exc:
        if fd is not None:
            os.close(fd)
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        if isinstance(exc, FileWriteError):
            raise
        raise FileWriteError("cannot write %s: %s" % (path, exc))


def ensure_file(path, content, mode, uid=-1, gid=-1, check_mode=False):
    """Write the file only when it differs; return True when it changed (or would, in check mode)."""
    if not needs_write(path, content, mode, uid, gid):
        return False
    if not check_mode:
        write_atomically(path, content, mode, uid, gid)
    return True
