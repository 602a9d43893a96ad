"""Symlink-proof paths: which links are followed, what is refused, and which directories get which owner."""

import collections
import os
import pwd
import stat

import pytest

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files, host_keys

Status = collections.namedtuple("Status", "st_uid st_mode")
DIRECTORY = stat.S_IFDIR
LINK = stat.S_IFLNK | 0o777
ROOT_ONLY = frozenset((0,))
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to plant links as another user")


@pytest.mark.parametrize(
    "directory, link, trusted",
    [
        (Status(0, DIRECTORY | 0o755), Status(0, LINK), True),  # /etc-like: only root writes there
        (Status(0, DIRECTORY | 0o1777), Status(0, LINK), True),  # /tmp, a link root made
        (Status(0, DIRECTORY | 0o1777), Status(1000, LINK), False),  # /tmp, a link another user made
        (Status(0, DIRECTORY | 0o775), Status(0, LINK), False),  # group-writable: others could swap it
        (Status(0, DIRECTORY | 0o757), Status(0, LINK), False),  # world-writable without the sticky bit
        (Status(1000, DIRECTORY | 0o700), Status(1000, LINK), False),  # a service user's home
        (Status(1000, DIRECTORY | 0o700), Status(0, LINK), False),  # root's link, but the user may replace it
        (Status(0, DIRECTORY | 0o755), Status(1000, LINK), False),  # the user's link in a root directory
    ],
)
def test_only_links_nobody_else_could_plant_are_trusted(directory, link, trusted):
    assert atomic_files.link_is_trusted(directory, link, ROOT_ONLY) is trusted


def test_the_running_user_trusts_its_own_links():
    # A service user running the collection as itself gains nothing by fooling itself.
    assert atomic_files.link_is_trusted(Status(1000, DIRECTORY | 0o700), Status(1000, LINK), frozenset((0, 1000)))


@pytest.mark.parametrize(
    "pending_cert, pending_key, live_key, step",
    [
        (None, b"new", b"old", "discard"),
        (b"new", b"new", b"old", "complete"),  # stopped before the first rename
        (b"new", None, b"new", "certificate"),  # stopped between the key's rename and the certificate's
        (b"other", b"new", b"old", "discard"),  # a certificate for neither key
    ],
)
def test_an_interrupted_install_is_completed_or_discarded(pending_cert, pending_key, live_key, step):
    assert host_keys.interrupted_install_step(live_key, pending_key, pending_cert) == step


@pytest.fixture
def nobody():
    return pwd.getpwnam("nobody")


def user_directory(path, account):
    os.makedirs(str(path))
    os.chown(str(path), account.pw_uid, account.pw_gid)
    return str(path)


def plant_link(target, link, account):
    os.symlink(str(target), str(link))
    os.lchown(str(link), account.pw_uid, account.pw_gid)


def snapshot(path):
    """Names, owners, modes and contents under ``path``: what must not move when a write is refused."""
    state = {}
    for root, directories, files in os.walk(str(path)):
        for name in directories + files:
            full = os.path.join(root, name)
            info = os.lstat(full)
            content = open(full, "rb").read() if stat.S_ISREG(info.st_mode) else None
            state[full] = (info.st_uid, stat.S_IMODE(info.st_mode), content)
    return state


@needs_root
def test_a_directory_link_planted_by_the_user_is_refused_for_every_operation(tmp_path, nobody):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "config").write_bytes(b"root's")
    os.chmod(str(victim / "config"), 0o600)
    home = user_directory(tmp_path / "home", nobody)
    plant_link(victim, os.path.join(home, ".aws"), nobody)
    before = snapshot(victim)
    target = os.path.join(home, ".aws", "config")

    for operation in (
        lambda: atomic_files.read_bytes(target),
        lambda: atomic_files.file_state(target),
        lambda: atomic_files.write_atomically(target, b"x", 0o600, nobody.pw_uid, nobody.pw_gid),
        lambda: atomic_files.ensure_directory(os.path.join(home, ".aws", "sub"), 0o700, nobody.pw_uid, nobody.pw_gid),
        lambda: atomic_files.remove_file(target),
        lambda: atomic_files.resolve_path(target),
    ):
        with pytest.raises(atomic_files.UnsafePathError) as caught:
            operation()
        assert os.path.join(home, ".aws") in str(caught.value)
        assert "nobody" in str(caught.value)
    assert snapshot(victim) == before


@needs_root
def test_a_file_link_planted_by_the_user_is_refused_on_read_and_write(tmp_path, nobody):
    secret = tmp_path / "other-service-key.pem"
    secret.write_bytes(b"another service's key")
    os.chmod(str(secret), 0o600)
    home = user_directory(tmp_path / "home", nobody)
    link = os.path.join(home, "private-key.pem")
    plant_link(secret, link, nobody)

    for operation in (
        lambda: atomic_files.read_bytes(link),
        lambda: atomic_files.write_atomically(link, b"new", 0o600, nobody.pw_uid, nobody.pw_gid),
    ):
        with pytest.raises(atomic_files.UnsafePathError, match="private-key.pem"):
            operation()
    assert secret.read_bytes() == b"another service's key"
    assert os.stat(str(secret)).st_uid == 0
    assert os.path.islink(link)
    # Removing acts on the link itself, never on what it points at.
    assert atomic_files.remove_file(link)
    assert secret.exists()


def test_links_made_by_root_or_the_running_user_are_followed(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    os.symlink("real", str(tmp_path / "relative"))
    os.symlink(str(tmp_path / "relative"), str(tmp_path / "absolute"))
    (real / "config").write_bytes(b"a")
    os.symlink("config", str(real / "config-link"))

    atomic_files.write_atomically(str(tmp_path / "absolute" / "written"), b"b", 0o644)
    assert (real / "written").read_bytes() == b"b"
    assert atomic_files.read_bytes(str(tmp_path / "absolute" / "config-link")) == b"a"
    assert atomic_files.resolve_path(str(tmp_path / "absolute" / "config-link")) == str(real / "config")
    assert atomic_files.ensure_directory(str(tmp_path / "relative" / "made"), 0o700)
    assert (real / "made").is_dir()


def test_a_loop_of_links_is_an_error_not_a_hang(tmp_path):
    os.symlink("b", str(tmp_path / "a"))
    os.symlink("a", str(tmp_path / "b"))
    with pytest.raises(atomic_files.FileWriteError, match="too many symbolic links"):
        atomic_files.write_atomically(str(tmp_path / "a" / "file"), b"x", 0o600)


def test_a_fifo_in_place_of_a_key_is_refused_without_blocking(tmp_path):
    os.mkfifo(str(tmp_path / "private-key.pem"))
    with pytest.raises(atomic_files.FileWriteError, match="not a regular file"):
        atomic_files.read_bytes(str(tmp_path / "private-key.pem"))


@needs_root
def test_only_the_final_directory_gets_the_service_user_and_existing_parents_stay_as_they_are(tmp_path, nobody):
    existing = tmp_path / "srv"
    existing.mkdir()
    os.chmod(str(existing), 0o711)
    final = existing / "shared" / "deeper" / "etl"

    assert atomic_files.ensure_directory(str(final), 0o700, nobody.pw_uid, nobody.pw_gid)
    for parent in (existing / "shared", existing / "shared" / "deeper"):
        info = os.stat(str(parent))
        assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (0, 0o755), parent
    info = os.stat(str(final))
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (nobody.pw_uid, 0o700)
    info = os.stat(str(existing))
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (0, 0o711)
    assert not atomic_files.ensure_directory(str(final), 0o700, nobody.pw_uid, nobody.pw_gid)


@needs_root
def test_parents_made_inside_a_users_home_stay_that_users(tmp_path, nobody):
    home = user_directory(tmp_path / "home", nobody)
    atomic_files.ensure_directory(os.path.join(home, ".aws", "rolesanywhere"), 0o700, nobody.pw_uid, nobody.pw_gid)
    info = os.stat(os.path.join(home, ".aws"))
    # The AWS CLI keeps its own caches under ~/.aws: a root-owned ~/.aws would lock the user out of them.
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (nobody.pw_uid, 0o755)


def test_a_parent_made_meanwhile_by_another_run_is_walked_into(tmp_path, monkeypatch):
    # Two service users of one host share a new parent; their runs (forks) create it at the same moment.
    real_mkdir = os.mkdir

    def mkdir_losing_the_race(name, mode=0o777, *, dir_fd=None):
        real_mkdir(name, mode, dir_fd=dir_fd)
        monkeypatch.setattr(atomic_files.os, "mkdir", real_mkdir)
        raise FileExistsError(17, "File exists", name)

    monkeypatch.setattr(atomic_files.os, "mkdir", mkdir_losing_the_race)
    assert atomic_files.ensure_directory(str(tmp_path / "shared" / "etl"), 0o700)
    assert stat.S_IMODE(os.stat(str(tmp_path / "shared" / "etl")).st_mode) == 0o700
