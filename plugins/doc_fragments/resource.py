# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options every module that manages a Roles Anywhere resource (trust anchor, profile, CRL) has, as
    # module_utils/rolesanywhere.py resource_argument_spec defines them. The id option and enabled say what they mean
    # for each resource, so the modules document those themselves.
    DOCUMENTATION = r"""
options:
  name:
    description:
      - Name of the resource (1-255 letters, digits, spaces, V(-) and V(_)).
      - Required unless the resource is addressed by its id or ARN; with the id, a different O(name) renames it.
    type: str
  state:
    description:
      - V(present) creates (for a CRL, imports) or updates the resource, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
"""

    # The options every _info module of a Roles Anywhere resource has besides the id (info_argument_spec).
    INFO = r"""
options:
  name:
    description:
      - Return only the resources with this name (names need not be unique, so several may match).
    type: str
"""
