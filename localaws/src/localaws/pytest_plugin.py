"""pytest fixtures for the local AWS stand-in, registered by the package's `pytest11` entry point.

`localaws` (session scope) starts `python -m localaws --port 0` as a subprocess, reads its JSON line and stops it
at the end of the session (`start_server(..., tls=True)` starts one that serves HTTPS with its own CA). With
pytest-xdist every worker gets its own server (and its own state).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .process import LocalAwsServer, start_server


@pytest.fixture(scope="session")
def localaws(tmp_path_factory) -> Iterator[LocalAwsServer]:
    """The running stand-in (LocalAwsServer) shared by the whole test session of this worker."""
    server = start_server(str(tmp_path_factory.mktemp("localaws")))
    yield server
    server.stop()


@pytest.fixture
def localaws_reset(localaws: LocalAwsServer) -> Iterator[LocalAwsServer]:
    """The stand-in with no Roles Anywhere resources, session records, faults or clock shift at the test's start."""
    localaws.reset()
    yield localaws
