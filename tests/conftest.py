"""Test-wide setup: make the collection importable by its FQCN and register the shared fixtures.

The stand-in's fixtures (`localaws`, `localaws_reset`) come from the installed `localaws` package, whose pytest
plugin entry point registers them (`make setup` installs it from localaws/).
"""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS_ROOT = os.path.join(REPO, "build")
COLLECTION_LINK = os.path.join(COLLECTIONS_ROOT, "ansible_collections", "hybridcloud", "rolesanywhere")


def _ensure_collection_link():
    # `make setup` creates the link; creating it here too lets a bare `pytest` run from a fresh clone.
    if not os.path.lexists(COLLECTION_LINK):
        os.makedirs(os.path.dirname(COLLECTION_LINK), exist_ok=True)
        os.symlink("../../..", COLLECTION_LINK)


_ensure_collection_link()
# build/ for the collection's FQCN imports, tests/ for the shared test support package.
for path in (COLLECTIONS_ROOT, os.path.join(REPO, "tests")):
    if path not in sys.path:
        sys.path.insert(0, path)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS_ROOT)

pytest_plugins = ["support.field_tools", "support.reliability_summary"]
