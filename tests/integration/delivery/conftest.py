"""Fixtures of the delivery tests: a world per test (a real service user, removed afterwards), the installed program."""

import os

import pytest
from delivery_world import SYSTEM_PYTHON, DeliveryWorld

# The program fixture, shared with the credential_helper tests.
from support.credential_program import program  # noqa: F401 pylint: disable=unused-import


@pytest.fixture
def delivery_world(localaws, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to create a service user and run its service as that user")
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip("needs %s for the service user" % SYSTEM_PYTHON)
    worlds = []

    def make(mode, helper_vars):
        world = DeliveryWorld(localaws, tmp_path, mode, helper_vars)
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.close()
