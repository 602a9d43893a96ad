# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Where a host keeps its key and certificates, who owns them, and how the host does cryptography: the same for
    # every module that writes or reads those files.
    DOCUMENTATION = r"""
options:
  cert_dir:
    description:
      - Directory of the key and certificate files C(private-key.pem), C(certificate.pem), C(chain.pem) and C(ca.pem)
        on the host.
      - Defaults to C(~/.aws/rolesanywhere) in the home directory of O(service_user).
    type: path
  service_user:
    description: Owner of the key, the certificates and O(cert_dir). Defaults to the user the module runs as.
    type: str
  group:
    description: Group of the files. Defaults to the primary group of O(service_user).
    type: str
  backend:
    description: Cryptography provider on the host. C(auto) prefers python3-cryptography and falls back to C(openssl).
    type: str
    choices: [auto, cryptography, openssl]
    default: auto
"""
