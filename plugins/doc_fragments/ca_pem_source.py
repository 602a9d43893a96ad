# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The local CA given as PEM text instead of the files of its directory (an AWX credential injects it).
    DOCUMENTATION = r"""
options:
  ca_certificate_pem:
    description:
      - PEM of the root CA certificate, used instead of C(ca.crt) in the CA directory (role variable
        C(rolesanywhere_ca_certificate_pem)). Requires O(ca_private_key_pem). The CA directory still holds the records
        (C(issued.json), C(crl.pem), C(revoked.json)).
    type: str
  ca_private_key_pem:
    description:
      - PEM of the root CA's private key (encrypted with O(passphrase) or not). Loaded in memory only, never written.
    type: str
  intermediate_certificate_pem:
    description: PEM of the intermediate CA certificate that the root signed, when an intermediate signs the host certificates.
    type: str
  intermediate_private_key_pem:
    description: PEM of the intermediate CA's private key. Loaded in memory only, never written.
    type: str
"""
