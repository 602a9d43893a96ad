# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # How far the collection's modules support check and diff mode, used with ansible.builtin.action_common_attributes
    # (which says what the attributes mean). A module that changes something predicts it in check mode and shows it
    # with --diff.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
"""

    # A module that reads, checks or reports: it runs the same in check mode and has no change to show as a diff.
    NO_DIFF = r"""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
"""

    # A module that is an action plugin: it runs on the controller (and may run a module on the host for it), is not
    # async-capable and runs once per host. Used with ansible.builtin.action_common_attributes.flow, which says what
    # these mean, beside the check/diff fragment above that fits the module.
    ACTION = r"""
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
"""
