# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which AWS CLI reads what the credential_helper role writes.

The per-service endpoints of a profile live in a ``services = NAME`` key and a ``[services NAME]`` section. The AWS
CLI reads them from version 1.29.0 (v1, with botocore 1.31.0) and 2.13.0 (v2), both of July 2023; an older CLI
ignores them without a word and sends every call to the public AWS endpoints.
"""

import re

MINIMUM_FOR_SERVICES_SECTION = {1: (1, 29, 0), 2: (2, 13, 0)}
_VERSION = re.compile(r"aws-cli/(\d+)\.(\d+)\.(\d+)")


def parse(text):
    """The (major, minor, patch) of ``aws --version`` output (``aws-cli/1.29.3 Python/3.11 ...``), or None."""
    match = _VERSION.search(text or "")
    return tuple(int(part) for part in match.groups()) if match else None


def minimum_for_services_section(version):
    """The first release of the same major version that reads a services section (v2's for unknown majors)."""
    return MINIMUM_FOR_SERVICES_SECTION.get(version[0], MINIMUM_FOR_SERVICES_SECTION[2])


def reads_services_section(version):
    return tuple(version) >= minimum_for_services_section(version)


def text(version):
    return ".".join(str(part) for part in version)
