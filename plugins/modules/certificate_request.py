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
  validity_days:
    description:
      - The validity in days this host's certificate is to be signed with, from 1 to 3650. Not used on the host; it is
        returned with the CSR, so that M(hybridcloud.rolesanywhere.sign_certificates) signs each host of a batch with
        its own validity. Omitted, the signing task's O(hybridcloud.rolesanywhere.sign_certificates#module:cert_validity_days)
        applies.
    type: int
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
validity_days:
  description: O(validity_days) as given (null when omitted), for the batch signing.
  returned: always
  type: int
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import host_enrollment


def main():
    module = AnsibleModule(argument_spec=host_enrollment.ARGUMENT_SPEC, supports_check_mode=True)
    try:
        result = host_enrollment.request(module.params, check_mode=module.check_mode, diff=module._diff)
    except host_enrollment.ERRORS as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
