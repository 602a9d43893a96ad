"""pytest fixtures for the local AWS stand-in.

`localaws` (session scope) starts `python -m localaws --port 0` as a subprocess, reads its JSON line and stops it
at the end of the session (`start_server(..., tls=True)` starts one that serves HTTPS with its own CA). With
pytest-xdist every worker gets its own server (and its own state).
"""

import pytest

# Re-exported: tests and scripts import these from here.
from .process import LocalAwsError, LocalAwsServer, start_server  # noqa: F401  pylint: disable=unused-import


@pytest.fixture(scope="session")
def localaws(tmp_path_factory):
    """The running stand-in (LocalAwsServer) shared by the whole test session of this worker."""
    server = start_server(str(tmp_path_factory.mktemp("localaws")))
    yield server
    server.stop()


@pytest.fixture
def localaws_reset(localaws):
    """The stand-in with no Roles Anywhere resources, session records, faults or clock shift at the test's start."""
    localaws.reset()
    yield localaws
