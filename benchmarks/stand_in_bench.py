"""What the benchmarks that measure against the local stand-in share: its start-up in a scratch directory, the
collection's program installed as the role installs it, the official helper when built, and the rewrite of their own
marked section of benchmarks/results.md.

Imported by benchmarks/verify_quota.py and benchmarks/delivery_modes.py; importing it makes the collection (build/) and
the test support (tests/) importable; the stand-in is the installed localaws package (`make setup`).
"""

import contextlib
import os
import pathlib
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _path in (os.path.join(REPO, "tests"), os.path.join(REPO, "build")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

RESULTS = os.path.join(REPO, "benchmarks", "results.md")


@contextlib.contextmanager
def stand_in():
    """A started stand-in and a scratch directory under build/ (removed afterwards): yields (server, work)."""
    from localaws.process import start_server

    with tempfile.TemporaryDirectory(dir=os.path.join(REPO, "build")) as work:
        server = start_server(os.path.join(work, "localaws"))
        try:
            yield server, work
        finally:
            server.stop()


def install_python_program(work):
    """The credential-process program exactly as the credential_helper role installs it."""
    from support.credential_program import install_program

    return install_program(pathlib.Path(work))


def official_helper():
    """The official aws_signing_helper built under build/, or None."""
    from support import quota_fleet

    return quota_fleet.OFFICIAL_HELPER if os.access(quota_fleet.OFFICIAL_HELPER, os.X_OK) else None


def replace_section(start_marker, end_marker, lines):
    """Put lines (which begin with start_marker and end with end_marker) in place of that section of results.md,
    appending it when missing; the rest of the file stays as it is."""
    with open(RESULTS, encoding="utf-8") as handle:
        text = handle.read()
    if start_marker in text:
        before, _old, after = text.partition(start_marker)
        after = after.partition(end_marker)[2]
        text = before.rstrip("\n") + "\n\n" + "\n".join(lines) + after
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    with open(RESULTS, "w", encoding="utf-8") as handle:
        handle.write(text)
