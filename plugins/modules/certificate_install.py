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
version_added: 1.0.0
description:
  - Runs on the managed host after M(hybridcloud.rolesanywhere.sign_certificates). Checks that the certificate belongs to
    the private key in O(cert_dir), then writes C(chain.pem), C(ca.pem) and finally C(certificate.pem), each atomically
    (temporary file in the same directory, final mode C(0644) and owner set before the content, then renamed).
  - Writing the certificate last means a reader sees either the old or the new certificate, never a half-written one.
  - When the certificate belongs to the pending key that M(hybridcloud.rolesanywhere.certificate_request) wrote beside
    the working one (a rotation), the certificate is first written as C(certificate.pem.next), then the pending key and
    the certificate are renamed into place one right after the other, key first. Until then the working key and
    certificate stay untouched; an install stopped between the two renames is completed by the next
    M(hybridcloud.rolesanywhere.certificate_request).
  - No symbolic link that anybody but root or the user running the module could have planted is followed.
  - Without intermediates an existing C(chain.pem) is removed, so no stale chain is sent along.
  - With O(state=absent) it removes the host's key, certificate, chain, CA certificate and any pending key or
    certificate of an interrupted rotation instead (offboarding, revocation), through the same symlink-proof walk; a
    planted link fails the task and nothing outside O(cert_dir) is touched.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  state:
    description: V(present) installs the certificate; V(absent) removes the host's key and certificate files.
    type: str
    choices: [present, absent]
    default: present
  certificate:
    description: PEM of the host certificate. Required with O(state=present).
    type: str
  private_key:
    description:
      - PEM (PKCS#8, unencrypted) of a private key issued together with O(certificate) by an existing PKI (push mode of the
        C(enroll) role, which checks the pair on the controller first). Written as C(private-key.pem), C(0600) and owned by
        O(service_user) before its first byte, atomically; a changed key goes in the way a rotated one does (as the
        pending key, then key and certificate by two renames, key first). The same key already in place changes nothing.
      - Without it the certificate must belong to the key M(hybridcloud.rolesanywhere.certificate_request) made on the host.
    type: str
  chain:
    description: PEM of the intermediate CA certificates, leaf side first; empty when the root signs directly.
    type: str
    default: ""
  ca_certificate:
    description: PEM of the root CA certificate (what the trust anchor holds). Required with O(state=present).
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes
  - hybridcloud.rolesanywhere.host_files
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

- name: Remove the host's key and certificates (offboarding)
  hybridcloud.rolesanywhere.certificate_install:
    state: absent
    service_user: etl
"""

RETURN = r"""
certificate_path:
  description: Path of the installed certificate.
  returned: always
  type: str
chain_path:
  description: Path of the intermediates bundle, or null when there are none.
  returned: when O(state=present)
  type: str
ca_certificate_path:
  description: Path of the CA certificate.
  returned: when O(state=present)
  type: str
private_key_path:
  description: Path of the private key the certificate belongs to.
  returned: always
  type: str
serial:
  description: Serial number of the installed certificate, upper-case hex.
  returned: when O(state=present)
  type: str
not_after:
  description: End of validity of the installed certificate (ISO 8601, UTC).
  returned: when O(state=present)
  type: str
key_replaced:
  description: Whether the pending key of a rotation was put in place together with the certificate.
  returned: when O(state=present)
  type: bool
removed:
  description: Paths of the files removed (or that would be, in check mode).
  returned: when O(state=absent)
  type: list
  elements: str
"""

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


def key_for_certificate(module, backend, files, new_public):
    """'live' or 'pending': which private key the certificate belongs to; fails (nothing written) for neither."""
    live_pem = atomic_files.read_bytes(files.key)
    pending_pem = atomic_files.read_bytes(files.pending_key)
    if live_pem is None and pending_pem is None:
        module.fail_json(
            msg="no private key at %s; run certificate_request first (it creates the key on this host)" % files.key
        )
    if pending_pem is not None and host_keys.public_key_or_none(backend, pending_pem) == new_public:
        return "pending"
    if live_pem is not None and host_keys.public_key_or_none(backend, live_pem) == new_public:
        return "live"
    module.fail_json(
        msg="certificate does not belong to the private key at %s (the key changed since the CSR was made); "
        "run the enroll role again to get a certificate for the current key" % files.key
    )


def installed_summary(backend, path):
    old_bytes = atomic_files.read_bytes(path)
    if old_bytes is None:
        return {}
    try:
        old_info = backend.certificate_info(old_bytes.decode("ascii", "replace"))
    except (host_keys.HostKeyError, ValueError):
        return {"serial": "unreadable"}
    return {"serial": old_info["serial"], "not_after": old_info["not_after"].isoformat()}


def push_private_key(module, backend, files, private_key, new_public, owner):
    """A pushed key: 'live' when it is the working key (mode and owner corrected), else written as the pending key."""
    uid, gid = owner
    content = private_key if private_key.endswith("\n") else private_key + "\n"
    content = content.encode("ascii")
    if host_keys.public_key_or_none(backend, content) != new_public:
        module.fail_json(
            msg="private_key does not belong to certificate (the public keys differ); push the key the certificate was "
            "issued for"
        )
    created = False if module.check_mode else atomic_files.ensure_directory(files.cert_dir, 0o700, uid, gid)
    if atomic_files.read_bytes(files.key) == content:
        return "live", atomic_files.ensure_file(files.key, content, 0o600, uid, gid, module.check_mode) or created
    if atomic_files.read_bytes(files.key) is None:
        # No working pair to protect: the key goes straight into place, the certificate right after it.
        return "live", atomic_files.ensure_file(files.key, content, 0o600, uid, gid, module.check_mode) or created
    if not module.check_mode:
        atomic_files.write_atomically(files.pending_key, content, 0o600, uid, gid)
    return "pending", True


def install_certificate(module, files, certificate, owner, key_source):
    """Put the certificate in place; with a pending key, key and certificate go in by two renames, key first."""
    uid, gid = owner
    content = certificate.encode("ascii")
    if key_source == "live":
        return atomic_files.ensure_file(files.certificate, content, CERT_MODE, uid, gid, module.check_mode)
    if not module.check_mode:
        atomic_files.write_atomically(files.pending_certificate, content, CERT_MODE, uid, gid)
        atomic_files.rename_in_directory(files.cert_dir, files.swap_renames())
    return True


def run(module):
    params = module.params
    certificate = pem_or_fail(module, "certificate", params["certificate"])
    chain = pem_or_fail(module, "chain", params["chain"], required=False)
    ca_certificate = pem_or_fail(module, "ca_certificate", params["ca_certificate"])
    uid, gid = atomic_files.resolve_owner(params["service_user"], params["group"])
    cert_dir = params["cert_dir"] or host_keys.default_cert_dir(atomic_files.home_of(params["service_user"]))
    files = host_keys.PairFiles(cert_dir)

    backend = host_keys.select_backend(params["backend"])
    try:
        new_info = backend.certificate_info(certificate)
    except (host_keys.HostKeyError, ValueError) as exc:
        module.fail_json(msg="certificate cannot be read: %s" % exc)
    key_changed = False
    if params["private_key"]:
        key_source, key_changed = push_private_key(
            module, backend, files, params["private_key"], new_info["public_key_der"], (uid, gid)
        )
    else:
        key_source = key_for_certificate(module, backend, files, new_info["public_key_der"])

    before = installed_summary(backend, files.certificate)
    after = {"serial": new_info["serial"], "not_after": new_info["not_after"].isoformat()}
    if key_source == "pending":
        before["private_key"], after["private_key"] = "working key", "pending key %s" % files.pending_key

    changed = key_changed
    # The certificate goes last: until it lands, the old pair stays consistent for the credential helper.
    if chain:
        changed = (
            atomic_files.ensure_file(files.chain, chain.encode("ascii"), CERT_MODE, uid, gid, module.check_mode)
            or changed
        )
    elif atomic_files.file_state(files.chain)[0]:
        changed = True
        if not module.check_mode:
            atomic_files.remove_file(files.chain)
    changed = (
        atomic_files.ensure_file(
            files.ca_certificate, ca_certificate.encode("ascii"), CERT_MODE, uid, gid, module.check_mode
        )
        or changed
    )
    changed = install_certificate(module, files, certificate, (uid, gid), key_source) or changed

    module.exit_json(
        changed=changed,
        certificate_path=files.certificate,
        chain_path=files.chain if chain else None,
        ca_certificate_path=files.ca_certificate,
        private_key_path=files.key,
        serial=after["serial"],
        not_after=after["not_after"],
        key_replaced=key_source == "pending",
        diff={"before": before, "after": after} if module._diff else None,
    )


def remove(module):
    """Remove the pair and its companions (pending files included) without following a planted link."""
    params = module.params
    cert_dir = params["cert_dir"]
    if not cert_dir:
        try:
            cert_dir = host_keys.default_cert_dir(atomic_files.home_of(params["service_user"]))
        except atomic_files.FileWriteError:
            # A service user removed from the host took its home, and the default directory, with it.
            module.exit_json(changed=False, removed=[], certificate_path=None, private_key_path=None)
    files = host_keys.PairFiles(cert_dir)
    paths = [
        files.certificate,
        files.chain,
        files.ca_certificate,
        files.key,
        files.pending_key,
        files.pending_certificate,
    ]
    # Every path is checked before the first removal, so a planted link fails the task with nothing removed.
    present = [path for path in paths if atomic_files.file_state(path)[0]]
    if not module.check_mode:
        present = [path for path in present if atomic_files.remove_file(path)]
    module.exit_json(
        changed=bool(present),
        removed=present,
        certificate_path=files.certificate,
        private_key_path=files.key,
        diff={"before": {"files": present}, "after": {"files": []}} if module._diff else None,
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            certificate=dict(type="str"),
            private_key=dict(type="str", no_log=True),
            chain=dict(type="str", default=""),
            ca_certificate=dict(type="str"),
            cert_dir=dict(type="path"),
            service_user=dict(type="str"),
            group=dict(type="str"),
            backend=dict(type="str", choices=["auto", "cryptography", "openssl"], default="auto"),
        ),
        required_if=[("state", "present", ("certificate", "ca_certificate"))],
        supports_check_mode=True,
    )
    try:
        if module.params["state"] == "absent":
            remove(module)
        else:
            run(module)
    except (host_keys.HostKeyError, atomic_files.FileWriteError) as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
