#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: certificate_install
short_description: Install a signed host certificate, its chain and the CA certificate next to the host's key
version_added: 0.1.0
description:
  - Runs on the managed host after M(hybridcloud.rolesanywhere.sign_certificates). Checks that the certificate belongs to
    the private key in O(cert_dir), then writes C(chain.pem), C(ca.pem) and finally C(certificate.pem), each atomically
    (temporary file in the same directory, final mode C(0644) and owner set before the content, then renamed).
  - Writing the certificate last means a reader sees either the old or the new certificate, never a half-written one.
  - Without intermediates an existing C(chain.pem) is removed, so no stale chain is sent along.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  certificate:
    description: PEM of the host certificate.
    type: str
    required: true
  chain:
    description: PEM of the intermediate CA certificates, leaf side first; empty when the root signs directly.
    type: str
    default: ""
  ca_certificate:
    description: PEM of the root CA certificate (what the trust anchor holds).
    type: str
    required: true
  cert_dir:
    description: Directory of the files; defaults to C(~/.aws/rolesanywhere) of O(service_user), as for M(hybridcloud.rolesanywhere.certificate_request).
    type: path
  service_user:
    description: Owner of the files. Defaults to the user the module runs as.
    type: str
  group:
    description: Group of the files. Defaults to the primary group of O(service_user).
    type: str
  backend:
    description: Cryptography provider on the host, as for M(hybridcloud.rolesanywhere.certificate_request).
    type: str
    choices: [auto, cryptography, openssl]
    default: auto
notes:
  - Supports check mode and diff mode (the diff shows the serial and expiry before and after).
seealso:
  - module: hybridcloud.rolesanywhere.certificate_request
  - module: hybridcloud.rolesanywhere.sign_certificates
"""

EXAMPLES = r"""
- name: Install what the controller signed for this host
  hybridcloud.rolesanywhere.certificate_install:
    certificate: "{{ signed.certificates[inventory_hostname].certificate }}"
    chain: "{{ signed.certificates[inventory_hostname].chain }}"
    ca_certificate: "{{ signed.certificates[inventory_hostname].ca_certificate }}"
    service_user: etl
  when: inventory_hostname in signed.certificates
"""

RETURN = r"""
certificate_path:
  description: Path of the installed certificate.
  returned: always
  type: str
chain_path:
  description: Path of the intermediates bundle, or null when there are none.
  returned: always
  type: str
ca_certificate_path:
  description: Path of the CA certificate.
  returned: always
  type: str
private_key_path:
  description: Path of the private key the certificate belongs to.
  returned: always
  type: str
serial:
  description: Serial number of the installed certificate, upper-case hex.
  returned: always
  type: str
not_after:
  description: End of validity of the installed certificate (ISO 8601, UTC).
  returned: always
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files, host_keys

CERT_MODE = 0o644


def pem_or_fail(module, field, value, required=True):
    if not value or not value.strip():
        if required:
            module.fail_json(msg="%s is empty; pass the PEM text" % field)
        return ""
    if "-----BEGIN CERTIFICATE-----" not in value:
        module.fail_json(msg="%s holds no PEM certificate; pass the PEM text" % field)
    return value if value.endswith("\n") else value + "\n"


def run(module):
    params = module.params
    certificate = pem_or_fail(module, "certificate", params["certificate"])
    chain = pem_or_fail(module, "chain", params["chain"], required=False)
    ca_certificate = pem_or_fail(module, "ca_certificate", params["ca_certificate"])
    uid, gid = atomic_files.resolve_owner(params["service_user"], params["group"])
    cert_dir = params["cert_dir"] or os.path.join(atomic_files.home_of(params["service_user"]), ".aws", "rolesanywhere")
    key_path = os.path.join(cert_dir, "private-key.pem")
    cert_path = os.path.join(cert_dir, "certificate.pem")
    chain_path = os.path.join(cert_dir, "chain.pem")
    ca_path = os.path.join(cert_dir, "ca.pem")

    backend = host_keys.select_backend(params["backend"])
    key_pem = atomic_files.read_bytes(key_path)
    if key_pem is None:
        module.fail_json(msg="no private key at %s; run certificate_request first (it creates the key on this host)" % key_path)
    try:
        new_info = backend.certificate_info(certificate)
    except (host_keys.HostKeyError, ValueError) as exc:
        module.fail_json(msg="certificate cannot be read: %s" % exc)
    if new_info["public_key_der"] != backend.public_key_der(key_pem):
        module.fail_json(msg="certificate does not belong to the private key at %s (the key changed since the CSR was made); "
                             "run the enroll role again to get a certificate for the current key" % key_path)

    old_bytes = atomic_files.read_bytes(cert_path)
    before = {}
    if old_bytes is not None:
        try:
            old_info = backend.certificate_info(old_bytes.decode("ascii", "replace"))
            before = {"serial": old_info["serial"], "not_after": old_info["not_after"].isoformat()}
        except (host_keys.HostKeyError, ValueError):
            before = {"serial": "unreadable"}
    after = {"serial": new_info["serial"], "not_after": new_info["not_after"].isoformat()}

    changed = False
    # The certificate goes last: until it lands, the old pair stays consistent for the credential helper.
    if chain:
        changed = atomic_files.ensure_file(chain_path, chain.encode("ascii"), CERT_MODE, uid, gid, module.check_mode) or changed
    elif os.path.exists(chain_path):
        changed = True
        if not module.check_mode:
            os.unlink(chain_path)
    changed = atomic_files.ensure_file(ca_path, ca_certificate.encode("ascii"), CERT_MODE, uid, gid, module.check_mode) or changed
    changed = atomic_files.ensure_file(cert_path, certificate.encode("ascii"), CERT_MODE, uid, gid, module.check_mode) or changed

    module.exit_json(changed=changed, certificate_path=cert_path, chain_path=chain_path if chain else None,
                     ca_certificate_path=ca_path, private_key_path=key_path, serial=after["serial"], not_after=after["not_after"],
                     diff={"before": before, "after": after} if module._diff else None)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            certificate=dict(type="str", required=True),
            chain=dict(type="str", default=""),
            ca_certificate=dict(type="str", required=True),
            cert_dir=dict(type="path"),
            service_user=dict(type="str"),
            group=dict(type="str"),
            backend=dict(type="str", choices=["auto", "cryptography", "openssl"], default="auto"),
        ),
        supports_check_mode=True,
    )
    try:
        run(module)
    except (host_keys.HostKeyError, atomic_files.FileWriteError) as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
