#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: certificate_request
short_description: Ensure the host's private key and return a CSR plus the state of the installed certificate
version_added: 1.0.0
description:
  - Runs on the managed host, once per host and run. Ensures the private key in O(cert_dir) (generated on the host when
    missing, when it is not of O(key_type), or when O(rotate=true); written atomically, mode C(0600) and owned by
    O(service_user) from the moment it exists) and returns a certificate signing request for the requested subject.
  - While a working key exists, a new key (rotation, another O(key_type)) is written beside it as
    C(private-key.pem.next) and the CSR is made from it; the working key and certificate stay in place until
    M(hybridcloud.rolesanywhere.certificate_install) puts the new key and its certificate in place together. A pending
    key left by an interrupted run is reused when a new key is still wanted and removed otherwise; an install stopped
    between its two renames is completed.
  - Every path is walked without following a symbolic link that anybody but root or the user running the module could
    have planted; such a link fails the task with an error naming it, and nothing is written.
  - Also reports the certificate installed next to the key (serial, validity, whether it matches the key, whether
    O(issuer_certificate) issued it) and whether a new one is needed, with the reasons.
  - The private key never appears in the result.
  - Needs only the Python standard library plus either python3-cryptography or the C(openssl) command on the host.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  common_name:
    description: Common name (CN) of the certificate subject. The C(enroll) role passes C(rolesanywhere_common_name), by default the inventory name.
    type: str
    required: true
  organization:
    description: Organization (O) of the subject.
    type: str
  organizational_unit:
    description: Organizational unit (OU) of the subject.
    type: str
  dns_names:
    description: DNS names for the subjectAltName extension.
    type: list
    elements: str
    default: []
  key_type:
    description: Type and size of the private key.
    type: str
    choices: [ec-p256, ec-p384, ec-p521, rsa-2048, rsa-3072, rsa-4096]
    default: ec-p256
  rotate:
    description: Generate a new private key even when the current one is fine.
    type: bool
    default: false
  issuer_certificate:
    description:
      - PEM of the CA certificate that signs host certificates now. When given, a certificate issued by another CA is
        reported as needing renewal.
    type: str
  renew_before_days:
    description: A certificate that expires within this many days needs renewal.
    type: int
    default: 30
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes
  - hybridcloud.rolesanywhere.host_files
notes:
  - O(cert_dir) is created C(0700) and owned by O(service_user) when missing; missing parent directories are created
    C(0755) (when root creates them, owned like the directory they are created in), and existing directories are never
    changed.
  - Supports check mode. In check mode no key is written; when a key would be generated no CSR is returned.
  - Supports diff mode; the diff shows the key type and a digest of the public key before and after, never the key.
  - Idempotent; the module changes something only when it generates a key or has to correct the key file's mode or owner.
seealso:
  - module: hybridcloud.rolesanywhere.sign_certificates
  - module: hybridcloud.rolesanywhere.certificate_install
"""

EXAMPLES = r"""
- name: Ensure the key and get a CSR
  hybridcloud.rolesanywhere.certificate_request:
    common_name: "{{ inventory_hostname }}"
    organizational_unit: batch
    dns_names: ["{{ inventory_hostname }}"]
    service_user: etl
    issuer_certificate: "{{ ca.issuer_certificate }}"
  register: request

- name: Show why a certificate is needed
  ansible.builtin.debug:
    var: request.reasons
  when: request.needs_certificate
"""

RETURN = r"""
csr:
  description: PEM certificate signing request for the subject, signed by the host's key. Null in check mode when a key would be generated.
  returned: always
  type: str
needs_certificate:
  description: Whether the host needs a new certificate.
  returned: always
  type: bool
reasons:
  description: Why a new certificate is needed (empty when none is).
  returned: always
  type: list
  elements: str
installed:
  description: State of the certificate installed at RV(certificate_path).
  returned: always
  type: dict
  contains:
    exists:
      description: Whether a certificate file exists.
      type: bool
    serial:
      description: Serial number, upper-case hex.
      type: str
    not_after:
      description: End of validity (ISO 8601, UTC).
      type: str
    matches_key:
      description: Whether the certificate belongs to the private key.
      type: bool
    issued_by:
      description: Whether O(issuer_certificate) issued it; null when no issuer was given.
      type: bool
    expires_within:
      description: Whether it expires within O(renew_before_days).
      type: bool
    fingerprint:
      description: SHA-256 fingerprint (hex).
      type: str
    certificate:
      description: PEM of the installed certificate (public).
      type: str
key:
  description: What happened to the private key (never its content).
  returned: always
  type: dict
  contains:
    key_type:
      description: Key type requested.
      type: str
    generated:
      description: Whether a new key was generated in this run.
      type: bool
    reason:
      description: Why a new key is needed (null when none is).
      type: str
    pending:
      description: Whether the CSR is for a new key that waits beside the working one for its certificate.
      type: bool
pending_key_path:
  description: Path of the pending new key the CSR is for, or null when the CSR is for the working key.
  returned: always
  type: str
cert_dir:
  description: The directory of the files.
  returned: always
  type: str
private_key_path:
  description: Path of the private key.
  returned: always
  type: str
certificate_path:
  description: Path of the certificate.
  returned: always
  type: str
chain_path:
  description: Path of the intermediates bundle.
  returned: always
  type: str
ca_certificate_path:
  description: Path of the CA certificate.
  returned: always
  type: str
backend:
  description: The cryptography provider used, C(cryptography) or C(openssl).
  returned: always
  type: str
"""

import hashlib

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files, host_keys, input_rules


def requested_subject(params):
    return [(field, params[field]) for field in ("organization", "organizational_unit", "common_name") if params[field]]


def key_label(public_der, present=True):
    """What --diff shows of a key: its type and a short digest of its PUBLIC half, never the key itself."""
    if public_der is None:
        return "unreadable" if present else "absent"
    return "%s %s" % (host_keys.key_type_of_spki(public_der), hashlib.sha256(public_der).hexdigest()[:16])


def complete_interrupted_install(module, backend, files):
    """Finish (or discard) what an install stopped between its renames left behind; True when something changed."""
    pending_cert = atomic_files.read_bytes(files.pending_certificate)
    if pending_cert is None:
        return False
    step = host_keys.interrupted_install_step(
        host_keys.public_key_or_none(backend, atomic_files.read_bytes(files.key)),
        host_keys.public_key_or_none(backend, atomic_files.read_bytes(files.pending_key)),
        host_keys.certificate_key_or_none(backend, pending_cert.decode("ascii", "replace")),
    )
    if module.check_mode:
        return True
    if step == "complete":
        atomic_files.rename_in_directory(files.cert_dir, files.swap_renames())
    elif step == "certificate":
        atomic_files.rename_in_directory(files.cert_dir, files.swap_renames()[1:])
    else:
        atomic_files.remove_file(files.pending_certificate)
    return True


def discard_pending_key(module, files):
    """A pending key nobody wants any more (the rotation that made it was not repeated) is removed."""
    if not atomic_files.file_state(files.pending_key)[0]:
        return False
    if not module.check_mode:
        atomic_files.remove_file(files.pending_key)
    return True


def new_key(module, backend, path, uid, gid):
    """Generate a key into ``path`` (0600, owned by the service user from its creation); None in check mode."""
    if module.check_mode:
        return None
    key_pem = backend.generate_key(module.params["key_type"])
    atomic_files.write_atomically(path, key_pem, 0o600, uid, gid)
    return key_pem


def ensure_key(module, backend, files, uid, gid):
    """Return (changed, PEM of the key the CSR is for (None in check mode when generated), its path, key report).

    While a working key exists, a new key is written beside it (the pending key) and replaces it only together with
    its certificate, in certificate_install.
    """
    params = module.params
    live_pem = atomic_files.read_bytes(files.key)
    live_public = host_keys.public_key_or_none(backend, live_pem)
    if live_pem is not None and live_public is None and not params["rotate"]:
        raise host_keys.HostKeyError(
            "the private key %s cannot be read (empty, truncated or not a PEM key); set rotate: true "
            "(rolesanywhere_rotate_key: true) to replace it with a new key" % files.key
        )
    generate, reason = host_keys.key_decision(backend, live_pem, params["key_type"], params["rotate"])
    report = {
        "key_type": params["key_type"],
        "generated": False,
        "pending": False,
        "reason": reason,
        "before": key_label(live_public, live_pem is not None),
    }
    if not generate:
        changed = discard_pending_key(module, files)
        # A key file that others can read, or that the service user cannot, is rewritten with its proper mode and owner.
        if atomic_files.ensure_file(files.key, live_pem, 0o600, uid, gid, check_mode=module.check_mode):
            changed, report["reason"] = True, "mode or owner corrected"
        return changed, live_pem, files.key, report
    report["generated"] = True
    if live_public is None:
        # No working key, so no working pair to protect: the new key goes straight into place.
        discard_pending_key(module, files)
        return True, new_key(module, backend, files.key, uid, gid), files.key, report
    report["pending"] = True
    pending_pem = atomic_files.read_bytes(files.pending_key)
    if host_keys.pending_key_reusable(backend, pending_pem, params["key_type"]):
        report["generated"] = False
        report["reason"] = "%s (the pending key of an interrupted rotation is reused)" % reason
        changed = atomic_files.ensure_file(
            files.pending_key, pending_pem, 0o600, uid, gid, check_mode=module.check_mode
        )
        return changed, pending_pem, files.pending_key, report
    return True, new_key(module, backend, files.pending_key, uid, gid), files.pending_key, report


def refuse_bad_subject(module):
    """The subject and DNS names by the rules X.509 and the service apply, before a key is made or a file touched."""
    params = module.params
    try:
        input_rules.common_name("common_name", params["common_name"])
        input_rules.subject_attribute("organization", params["organization"])
        input_rules.subject_attribute("organizational_unit", params["organizational_unit"])
        input_rules.dns_names("dns_names", params["dns_names"])
    except input_rules.InputError as exc:
        module.fail_json(msg="%s; nothing was changed" % exc)


def run(module):
    params = module.params
    if not params["common_name"]:
        module.fail_json(msg="common_name must not be empty: Roles Anywhere refuses certificates without a subject")
    if params["renew_before_days"] < 0:
        module.fail_json(msg="renew_before_days must be 0 or more")
    refuse_bad_subject(module)
    uid, gid = atomic_files.resolve_owner(params["service_user"], params["group"])
    cert_dir = params["cert_dir"] or host_keys.default_cert_dir(atomic_files.home_of(params["service_user"]))
    files = host_keys.PairFiles(cert_dir)
    paths = {
        "private_key_path": files.key,
        "certificate_path": files.certificate,
        "chain_path": files.chain,
        "ca_certificate_path": files.ca_certificate,
    }
    backend = host_keys.select_backend(params["backend"])
    issuer_pem = host_keys.first_pem_certificate(params["issuer_certificate"]) if params["issuer_certificate"] else None
    if params["issuer_certificate"] and issuer_pem is None:
        module.fail_json(
            msg="issuer_certificate holds no PEM certificate; pass the CA certificate PEM (certificate_authority's issuer_certificate)"
        )

    changed = False
    if not module.check_mode:
        changed = atomic_files.ensure_directory(cert_dir, 0o700, uid, gid)
    changed = complete_interrupted_install(module, backend, files) or changed
    key_changed, csr_key_pem, csr_key_path, key_report = ensure_key(module, backend, files, uid, gid)
    changed = changed or key_changed

    subject = requested_subject(params)
    dns_names = params["dns_names"]
    live_pem = atomic_files.read_bytes(files.key)
    if host_keys.public_key_or_none(backend, live_pem) is None:
        live_pem = None
    cert_bytes = atomic_files.read_bytes(files.certificate)
    cert_pem = cert_bytes.decode("ascii", "replace") if cert_bytes is not None else None
    installed, reasons = host_keys.installed_state(
        backend, cert_pem, live_pem, issuer_pem, params["renew_before_days"], subject, dns_names
    )
    if key_report["pending"]:
        reasons = ["a new private key waits for its certificate: %s" % key_report["reason"]]
    elif csr_key_pem is None:
        reasons = ["a new private key will be generated"]
    csr = backend.make_csr(csr_key_pem, csr_key_path, subject, dns_names) if csr_key_pem is not None else None
    csr_public = host_keys.public_key_or_none(backend, csr_key_pem)
    before = {"private_key": key_report.pop("before"), "certificate": installed.get("serial", "absent")}
    after = {
        "private_key": key_label(csr_public) if csr_public is not None else "new %s key" % params["key_type"],
        "certificate": before["certificate"],
    }
    module.exit_json(
        changed=changed,
        backend=backend.name,
        cert_dir=cert_dir,
        csr=csr,
        key=key_report,
        installed=installed,
        diff={"before": before, "after": after} if module._diff else None,
        needs_certificate=bool(reasons),
        reasons=reasons,
        common_name=params["common_name"],
        dns_names=dns_names,
        pending_key_path=files.pending_key if key_report["pending"] else None,
        **paths,
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            common_name=dict(type="str", required=True),
            organization=dict(type="str"),
            organizational_unit=dict(type="str"),
            dns_names=dict(type="list", elements="str", default=[]),
            key_type=dict(type="str", choices=list(host_keys.KEY_TYPES), default="ec-p256"),
            rotate=dict(type="bool", default=False),
            cert_dir=dict(type="path"),
            service_user=dict(type="str"),
            group=dict(type="str"),
            issuer_certificate=dict(type="str"),
            renew_before_days=dict(type="int", default=30),
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
