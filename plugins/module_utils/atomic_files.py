# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic, symlink-proof file writes with the final mode and owner from the first byte (standard library only).

A key file must never exist, even for an instant, with a wider mode than its final one, and a reader
must never see a half-written certificate: write a temporary file in the same directory, created
0600, give it its owner and final mode while it is still empty, fill it, fsync, and rename it over
the target.

Root often writes into a directory that a service user controls (``~user/.aws``). That user can plant
symbolic links there, so every path is walked from ``/`` one component at a time with directory
descriptors: a link is followed only when nobody but root or the user running this code could have
planted it (see :func:`link_is_trusted`); any other link is refused with an error naming it. All
later steps (create, fchown, fchmod, rename, unlink) act relative to the directory descriptor, so
swapping a directory for a link after the walk changes nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import grp
import os
import pwd
import stat

# Linux's O_PATH opens a directory that we may only search (mode 0711), which is all a walk needs.
_WALK_FLAGS = (getattr(os, "O_PATH", 0) or os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_OPEN_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
# The kernel's own limit on links followed while resolving one path.
MAX_LINKS = 40
PARENT_DIRECTORY_MODE = 0o755


class FileWriteError(Exception):
    """A file or directory could not be written; the message names the path and the cause."""


class UnsafePathError(FileWriteError):
    """A path leads through a symbolic link that someone other than root (or the running user) could have planted."""


def resolve_owner(user=None, group=None):
    """Map user/group names (or None: keep the caller's) to (uid, gid); -1 means unchanged for fchown."""
    uid, gid = -1, -1
    if user not in (None, ""):
        try:
            entry = pwd.getpwnam(user) if not str(user).isdigit() else pwd.getpwuid(int(user))
        except KeyError:
            raise FileWriteError(
                "user '%s' does not exist on this host; create it or set the service user to an existing one" % user
            )
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


# --- which links may be followed ------------------------------------------------------------------------------------


def trusted_uids():
    """Root and the user running this code: links they made cannot be a trap laid for them."""
    return frozenset((0, os.geteuid()))


def link_is_trusted(directory_status, link_status, trusted):
    """True when only a trusted user could have put this link in this directory.

    The link must belong to a trusted user, and so must its directory, which nobody else may write to
    (a sticky directory such as /tmp is fine: others cannot replace a link they do not own there).
    """
    if link_status.st_uid not in trusted or directory_status.st_uid not in trusted:
        return False
    writable_by_others = directory_status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return not writable_by_others or bool(directory_status.st_mode & stat.S_ISVTX)


def _owner_name(uid):
    try:
        return "%s (uid %d)" % (pwd.getpwuid(uid).pw_name, uid)
    except KeyError:
        return "uid %d" % uid


def _refusal(link_path, target, directory_status, link_status):
    untrusted = link_status.st_uid if link_status.st_uid not in trusted_uids() else directory_status.st_uid
    return UnsafePathError(
        "refusing to follow the symbolic link %s (-> %s): %s controls it or its directory, so following it as %s could "
        "write to, read or hand over files outside the intended location. Remove the link (a real directory or file is "
        "created in its place), or set the path option (cert_dir, rolesanywhere_cert_dir, rolesanywhere_aws_config_file) "
        "to the real location" % (link_path, target, _owner_name(untrusted), _owner_name(os.geteuid()))
    )


# --- walking a path with directory descriptors ----------------------------------------------------------------------


def split_path(path):
    """Components of the absolute, lexically normalized ``path`` (``..`` resolved as text, as os.path.abspath does)."""
    return [part for part in os.path.abspath(path).split(os.sep) if part]


def _follow(parent_fd, name, shown):
    """The target of the link ``name`` in ``parent_fd``, or UnsafePathError when it is not trusted."""
    link_status = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    target = os.readlink(name, dir_fd=parent_fd)
    if not link_is_trusted(os.fstat(parent_fd), link_status, trusted_uids()):
        raise _refusal(shown, target, os.fstat(parent_fd), link_status)
    return target


def _make_directory(parent_fd, name, mode, uid, gid):
    """mkdir ``name`` and return a descriptor of it with ``mode`` and owner applied (-1: inherit from the parent)."""
    os.mkdir(name, mode, dir_fd=parent_fd)
    fd = os.open(name, _OPEN_DIRECTORY_FLAGS, dir_fd=parent_fd)
    try:
        if uid == -1 and gid == -1 and os.geteuid() == 0:
            # A parent made by root inside a directory of another user (a home) stays that user's, as the rest is.
            parent_status = os.fstat(parent_fd)
            uid, gid = parent_status.st_uid, parent_status.st_gid
        if uid != -1 or gid != -1:
            os.fchown(fd, uid, gid)
        os.fchmod(fd, mode)  # exact mode, whatever the umask took away
    except OSError:
        os.close(fd)
        raise
    return fd


def open_directory(path, create=None):
    """A descriptor of directory ``path``, walked from ``/`` without following an untrusted link.

    ``create`` = (mode, uid, gid) creates what is missing: the final directory with that mode and owner,
    missing parents 0755 like ``install -d`` (owned like the directory they are made in when root makes
    them). Existing directories are never changed. Returns (descriptor, created).
    """
    pending = split_path(path)
    fd = os.open("/", _WALK_FLAGS)
    shown, links, created = "/", 0, False
    try:
        while pending:
            name = pending.pop(0)
            here = os.path.join(shown, name)
            try:
                child = os.open(name, _WALK_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if create is None:
                    raise
                mode, uid, gid = create if not pending else (PARENT_DIRECTORY_MODE, -1, -1)
                try:
                    child = _make_directory(fd, name, mode, uid, gid)
                except FileExistsError:
                    # Another run (a second service user of this host, another fork) made it meanwhile: walk into it.
                    pending.insert(0, name)
                    continue
                created = True
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    raise
                if not stat.S_ISLNK(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
                    raise FileWriteError("%s is not a directory; remove it or choose another path" % here)
                links += 1
                if links > MAX_LINKS:
                    raise FileWriteError("too many symbolic links while resolving %s" % path)
                target = _follow(fd, name, here)
                pending[:0] = [part for part in target.split(os.sep) if part]
                if target.startswith(os.sep):
                    os.close(fd)
                    fd, shown = os.open("/", _WALK_FLAGS), "/"
                continue
            os.close(fd)
            fd, shown = child, here
    except BaseException:
        os.close(fd)
        raise
    return fd, created


def _locate(path):
    """(directory descriptor, file name, lstat or None) of ``path``, following only trusted links, the last one included."""
    for _attempt in range(MAX_LINKS):
        directory, name = os.path.split(os.path.abspath(path))
        dir_fd = open_directory(directory)[0]
        try:
            status = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return dir_fd, name, None
        except OSError:
            os.close(dir_fd)
            raise
        if not stat.S_ISLNK(status.st_mode):
            return dir_fd, name, status
        try:
            target = _follow(dir_fd, name, os.path.join(directory, name))
            # A relative target counts from the directory the link is really in (itself perhaps reached by a link).
            path = os.path.join(_real_directory(dir_fd, directory), target)
        finally:
            os.close(dir_fd)
    raise FileWriteError("too many symbolic links while resolving %s" % path)


def _real_directory(dir_fd, fallback):
    """The path the kernel knows for an open directory (Linux /proc); ``fallback`` where there is no /proc."""
    try:
        return os.readlink("/proc/self/fd/%d" % dir_fd)
    except OSError:
        return fallback


def resolve_path(path):
    """The real path of ``path``, reached through trusted links only (UnsafePathError otherwise)."""
    try:
        dir_fd, name, unused_status = _locate(path)
    except FileNotFoundError:
        return os.path.abspath(path)
    try:
        return os.path.join(_real_directory(dir_fd, os.path.dirname(os.path.realpath(path))), name)
    finally:
        os.close(dir_fd)


def _describe(exc, path):
    if isinstance(exc, FileWriteError):
        return exc
    return FileWriteError("cannot access %s: %s" % (path, exc.strerror or exc))


# --- reading --------------------------------------------------------------------------------------------------------


def file_state(path):
    """(exists, mode, uid, gid) of the file at ``path`` (after trusted links), without opening it."""
    try:
        dir_fd, unused_name, status = _locate(path)
    except FileNotFoundError:
        return False, None, None, None
    except OSError as exc:
        raise _describe(exc, path)
    os.close(dir_fd)
    if status is None:
        return False, None, None, None
    return True, stat.S_IMODE(status.st_mode), status.st_uid, status.st_gid


def read_bytes(path):
    """Content of the regular file at ``path``, or None when it does not exist; never through an untrusted link."""
    try:
        dir_fd, name, status = _locate(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _describe(exc, path)
    try:
        if status is None:
            return None
        try:
            fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
        except FileNotFoundError:
            return None
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise FileWriteError("%s is not a regular file; remove it so that it can be created" % path)
            return handle.read()
    except OSError as exc:
        raise _describe(exc, path)
    finally:
        os.close(dir_fd)


def needs_write(path, content, mode, uid=-1, gid=-1):
    """True when the file is missing or differs in content, mode or owner."""
    exists, current_mode, current_uid, current_gid = file_state(path)
    if not exists:
        return True
    if current_mode != mode or (uid != -1 and current_uid != uid) or (gid != -1 and current_gid != gid):
        return True
    return read_bytes(path) != content


# --- writing --------------------------------------------------------------------------------------------------------


def ensure_directory(path, mode=0o700, uid=-1, gid=-1):
    """Create ``path`` (``mode``, owner uid/gid) and its missing parents (0755); return True when something was created.

    An existing directory, final or parent, is left as it is: its owner and mode are someone's decision.
    """
    try:
        fd, created = open_directory(path, create=(mode, uid, gid))
    except OSError as exc:
        raise FileWriteError("cannot create directory %s: %s" % (path, exc.strerror or exc))
    os.close(fd)
    return created


def _temporary_name(basename):
    return ".%s.%s.tmp" % (basename, binascii.hexlify(os.urandom(6)).decode("ascii"))


def _create_in(dir_fd, basename):
    for _attempt in range(100):
        name = _temporary_name(basename)
        try:
            return name, os.open(name, _CREATE_FLAGS, 0o600, dir_fd=dir_fd)
        except FileExistsError:
            continue
    raise FileWriteError("cannot find a free temporary name for %s" % basename)


def _create_temporary(dir_fd, basename, uid, gid):
    """A new 0600 file, as the target owner when root writes for another user and that user may write the directory,
    so that even the empty temporary file never belongs to anybody else."""
    if os.geteuid() != 0 or uid in (-1, 0):
        return _create_in(dir_fd, basename)
    saved_gid = os.getegid()
    os.setegid(gid if gid != -1 else saved_gid)
    os.seteuid(uid)
    try:
        return _create_in(dir_fd, basename)
    except PermissionError:
        pass  # the user cannot write the directory; root creates the file and hands it over below
    finally:
        os.seteuid(0)
        os.setegid(saved_gid)
    return _create_in(dir_fd, basename)


def _sync_directory(dir_fd):
    """Make a rename durable; an O_PATH descriptor cannot be synced, so open the directory itself."""
    try:
        fd = os.open(".", _OPEN_DIRECTORY_FLAGS, dir_fd=dir_fd)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_in(dir_fd, name, path, content, mode, uid, gid):
    """Write ``content`` as ``name`` in the open directory (temporary file, fchown, fchmod, fsync, rename)."""
    temp_name, fd = _create_temporary(dir_fd, name, uid, gid)
    try:
        # The file is new, 0600 and empty; owner and mode are settled before the content is written.
        if uid != -1 or gid != -1:
            try:
                os.fchown(fd, uid, gid)
            except PermissionError:
                raise FileWriteError(
                    "cannot give %s to uid %s / gid %s: only root can; run the task as root (become: true) "
                    "or as the service user itself" % (path, uid, gid)
                )
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            fd = None
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        # rename() replaces the directory entry itself: a link planted at ``name`` is replaced, never followed.
        os.replace(temp_name, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        temp_name = None
    finally:
        if fd is not None:
            os.close(fd)
        if temp_name is not None:
            try:
                os.unlink(temp_name, dir_fd=dir_fd)
            except OSError:
                pass


def write_atomically(path, content, mode, uid=-1, gid=-1):
    """Replace ``path`` with ``content`` (bytes); the file carries ``mode`` and owner before any byte lands."""
    try:
        dir_fd, name, unused_status = _locate(path)
    except OSError as exc:
        raise FileWriteError("cannot write %s: %s" % (path, exc.strerror or exc))
    try:
        _write_in(dir_fd, name, path, content, mode, uid, gid)
        _sync_directory(dir_fd)
    except OSError as exc:
        raise FileWriteError("cannot write %s: %s" % (path, exc.strerror or exc))
    finally:
        os.close(dir_fd)


def ensure_file(path, content, mode, uid=-1, gid=-1, check_mode=False):
    """Write the file only when it differs; return True when it changed (or would, in check mode)."""
    if not needs_write(path, content, mode, uid, gid):
        return False
    if not check_mode:
        write_atomically(path, content, mode, uid, gid)
    return True


def _open_parent(path):
    """The parent directory of ``path``, walked like every write; None when it does not exist."""
    try:
        return open_directory(os.path.dirname(os.path.abspath(path)))[0]
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _describe(exc, path)


def _remove_entry(path, remove):
    """Call ``remove(name, parent_fd)`` for ``path``'s entry in its parent, opened as every write opens it.

    True when something was (or would be) removed, False when nothing is there; other failures name the path.
    """
    dir_fd = _open_parent(path)
    if dir_fd is None:
        return False
    try:
        remove(os.path.basename(os.path.abspath(path)), dir_fd)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise FileWriteError("cannot remove %s: %s" % (path, exc.strerror or exc))
    finally:
        os.close(dir_fd)
    return True


def remove_file(path):
    """Remove the file (or planted link) at ``path`` itself; return True when something was removed."""
    return _remove_entry(path, lambda name, dir_fd: os.unlink(name, dir_fd=dir_fd))


def rename_in_directory(directory, renames):
    """Rename files inside ``directory`` in the given order ((source name, target name), ...), then sync it.

    Consecutive renames in one directory are the closest a POSIX file system comes to replacing two files at once.
    """
    try:
        dir_fd = open_directory(directory)[0]
    except OSError as exc:
        raise _describe(exc, directory)
    try:
        for source, target in renames:
            os.replace(source, target, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        _sync_directory(dir_fd)
    except OSError as exc:
        raise FileWriteError("cannot rename files in %s: %s" % (directory, exc.strerror or exc))
    finally:
        os.close(dir_fd)


def _remove_directory(parent_fd, name):
    """Remove the directory ``name`` of the open directory ``parent_fd`` and everything in it, following no link."""
    child = os.open(name, _OPEN_DIRECTORY_FLAGS, dir_fd=parent_fd)
    try:
        with os.scandir(child) as entries:
            names = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
        for entry_name, is_directory in names:
            if is_directory:
                _remove_directory(child, entry_name)
            else:
                os.unlink(entry_name, dir_fd=child)
    finally:
        os.close(child)
    os.rmdir(name, dir_fd=parent_fd)


def remove_tree(path, check_mode=False):
    """Remove the file, directory tree or link at ``path``; return True when something was (or would be) removed.

    The parents are walked like every write (an untrusted link on the way is refused: UnsafePathError); the entry
    itself and everything below it are removed where they are, so a link planted inside, or at ``path`` itself, is
    removed as a link and never followed into another user's files.
    """

    def remove(name, dir_fd):
        status = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if check_mode:
            return
        if stat.S_ISDIR(status.st_mode):
            _remove_directory(dir_fd, name)
        else:
            os.unlink(name, dir_fd=dir_fd)

    return _remove_entry(path, remove)
