"""The stand-in is the collection's test oracle: it must reach its verdicts without the collection's code.

Every import statement of the package is read (not executed); none may name the collection, Ansible, or a module
path that only exists in the collection's checkout.
"""

import ast
import pathlib

import localaws

PACKAGE_DIR = pathlib.Path(localaws.__file__).parent
# ansible_collections: the collection by its FQCN; plugins: its module_utils by path; ansible: what the collection runs on.
FORBIDDEN_ROOTS = {"ansible_collections", "plugins", "ansible"}


def imported_modules(source_path):
    """The absolute module names a source file imports (relative imports stay inside the package)."""
    tree = ast.parse(source_path.read_text(encoding="utf-8"), filename=str(source_path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_the_package_has_sources_to_check():
    assert (PACKAGE_DIR / "server.py").is_file()


def test_the_package_imports_nothing_from_the_collection():
    offending = sorted(
        f"{path.name}: {module}"
        for path in PACKAGE_DIR.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN_ROOTS
    )
    assert not offending, offending


def test_the_package_is_the_installed_one_not_a_copy_under_tests():
    # The collection's tests reach the stand-in as an installed package; a leftover copy under tests/ would shadow it.
    assert PACKAGE_DIR.parent.name != "tests", PACKAGE_DIR
