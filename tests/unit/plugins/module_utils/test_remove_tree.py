"""atomic_files.remove_tree: a cache directory goes, whatever links it holds or is; nothing they point to does."""

import os

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files


def outside_file(tmp_path):
    target = tmp_path / "outside" / "keep.json"
    target.parent.mkdir()
    target.write_text("keep")
    return target


def test_a_tree_with_links_inside_is_removed_and_their_targets_stay(tmp_path):
    target = outside_file(tmp_path)
    cache = tmp_path / "home" / ".cache" / "hybridcloud-rolesanywhere"
    (cache / "nested").mkdir(parents=True)
    (cache / "nested" / "entry.json").write_text("{}")
    os.symlink(str(target), str(cache / "link.json"))
    os.symlink(str(target.parent), str(cache / "nested" / "dir-link"))
    assert atomic_files.remove_tree(str(cache)) is True
    assert not os.path.lexists(str(cache))
    assert target.read_text() == "keep"


def test_a_link_at_the_path_itself_is_removed_as_a_link(tmp_path):
    target = outside_file(tmp_path)
    cache = tmp_path / "hybridcloud-rolesanywhere"
    os.symlink(str(target.parent), str(cache))
    assert atomic_files.remove_tree(str(cache)) is True
    assert not os.path.lexists(str(cache)) and target.read_text() == "keep"


def test_nothing_to_remove_and_check_mode(tmp_path):
    assert atomic_files.remove_tree(str(tmp_path / "missing" / "cache")) is False
    assert atomic_files.remove_tree(str(tmp_path / "cache")) is False
    (tmp_path / "cache").mkdir()
    assert atomic_files.remove_tree(str(tmp_path / "cache"), check_mode=True) is True
    assert (tmp_path / "cache").is_dir()
