#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: credential_cache
short_description: Remove the credential cache of the collection's credential-process program, following no planted link
version_added: 1.0.0
description:
  - Runs on the managed host. Removes the directory in which the collection's credential-process program caches
    credentials for O(service_user) (C(~/.cache/hybridcloud-rolesanywhere), or O(path)), so that the next credential
    request asks IAM Roles Anywhere again and is refused once the certificate is revoked.
  - The parents of the cache directory are walked with directory descriptors; a symbolic link that anybody but root or
    the user running the module could have planted (for example a service user's C(~/.cache) pointing into another
    user's home) fails the task naming the link, and nothing behind it is removed.
  - A link at the cache directory itself, or inside it, is removed as a link; what it points to is never touched.
  - The official credential helper keeps no cache; nothing is needed for it.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  state:
    description: Only V(absent) (remove the cache).
    type: str
    choices: [absent]
    default: absent
  service_user:
    description: The user whose cache is removed. Defaults to the user the module runs as.
    type: str
  path:
    description:
      - The cache directory, when the workloads run with C(XDG_CACHE_HOME) (C(rolesanywhere_credential_cache_dir)).
        Defaults to C(.cache/hybridcloud-rolesanywhere) in the home directory of O(service_user).
    type: path
notes:
  - Supports check mode and diff mode (the diff tells whether the cache exists before and after).
seealso:
  - module: hybridcloud.rolesanywhere.certificate_install
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes
"""

EXAMPLES = r"""
- name: Remove the cached credentials of the etl user
  hybridcloud.rolesanywhere.credential_cache:
    service_user: etl
    state: absent
"""

RETURN = r"""
path:
  description: The cache directory that was (or would be) removed.
  returned: always
  type: str
  sample: /home/etl/.cache/hybridcloud-rolesanywhere
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files

# credential_process.CACHE_DIR_NAME; not imported, so that hosts without the cryptography library can run this module.
CACHE_DIR_NAME = "hybridcloud-rolesanywhere"


def cache_path(params):
    if params["path"]:
        return params["path"]
    return os.path.join(atomic_files.home_of(params["service_user"]), ".cache", CACHE_DIR_NAME)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["absent"], default="absent"),
            service_user=dict(type="str"),
            path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    try:
        path = cache_path(module.params)
        removed = atomic_files.remove_tree(path, check_mode=module.check_mode)
    except atomic_files.FileWriteError as exc:
        module.fail_json(
            msg="the credential cache of %s was not removed: %s"
            % (module.params["service_user"] or "the connecting user", exc)
        )
    diff = {"before": {"path": path, "exists": removed}, "after": {"path": path, "exists": False}}
    module.exit_json(changed=removed, path=path, diff=diff if module._diff else None)


if __name__ == "__main__":
    main()
