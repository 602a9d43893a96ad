#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: certificate_push
short_description: Check a certificate and key that an existing PKI issued, then install both on the host
version_added: 1.0.0
description:
  - Push mode for organizations whose PKI issues key and certificate together (a secrets manager handing out PKCS#12
    bundles, an internal CA's enrollment portal). Host-born keys (M(hybridcloud.rolesanywhere.certificate_request)) stay
    the recommended mode, since there the key never exists anywhere but on the host.
  - An action plugin. On the controller, before anything reaches the host, it loads the pair (PEM text, PEM files on
    the controller, or a PKCS#12 bundle with its password) and checks that the key belongs to the certificate, that the
    certificate follows the leaf rules of IAM Roles Anywhere (X.509 v3, CA:false, digitalSignature, SHA-256 or
    stronger, a subject, inside its validity, a strong key), that it chains up to a CA of O(ca_bundle) through the
    chain given (or the bundle's own intermediates), and that no CRL of O(crl_pem) revokes it. A broken rule fails the
    task naming the host and the rule; nothing is sent to the host.
  - Then, unless O(validate_only=true), it runs M(hybridcloud.rolesanywhere.certificate_install) on the host with the
    key, which writes C(private-key.pem) C(0600), owned by O(service_user) before its first byte, atomically; a
    different key already there is replaced the way a rotation does (new key and certificate by two renames, key
    first). The same pair already in place changes nothing.
  - The key is never part of the task result. Still set C(no_log=true) on the task, as the C(enroll) role does, since
    the key is one of its arguments.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  certificate_pem:
    description: PEM of the host certificate, optionally followed by its intermediates.
    type: str
  certificate_path:
    description: File on the controller with the PEM of the host certificate (and optionally its intermediates).
    type: path
  private_key_pem:
    description: PEM of the certificate's private key, unencrypted (keep it in Ansible Vault or a credential).
    type: str
  private_key_path:
    description: File on the controller with the PEM of the private key, unencrypted.
    type: path
  chain_pem:
    description: PEM of intermediate CA certificates, added to those found in the certificate text or PKCS#12 bundle.
    type: str
    default: ""
  pkcs12_path:
    description: A PKCS#12 (.p12/.pfx) bundle on the controller with the key, the certificate and optionally intermediates.
    type: path
  pkcs12_password:
    description: Password of O(pkcs12_path).
    type: str
  ca_bundle:
    description: PEM of the CA certificates the trust anchor holds (the PKI's root, and intermediates when the anchor holds them).
    type: str
    required: true
  crl_pem:
    description: PEM of CRLs of the PKI; a certificate one of them revokes is refused.
    type: str
    default: ""
  validate_only:
    description: Only check on the controller; install nothing. The C(enroll) role checks every host this way first.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - hybridcloud.rolesanywhere.attributes
  - hybridcloud.rolesanywhere.attributes.action
  - hybridcloud.rolesanywhere.host_files
notes:
  - Supports check mode (through M(hybridcloud.rolesanywhere.certificate_install)).
seealso:
  - module: hybridcloud.rolesanywhere.certificate_install
  - module: hybridcloud.rolesanywhere.sign_certificates
"""

EXAMPLES = r"""
- name: Push the pair from a PKCS#12 bundle kept on the controller
  hybridcloud.rolesanywhere.certificate_push:
    pkcs12_path: "/srv/pki/{{ inventory_hostname }}.p12"
    pkcs12_password: "{{ vault_p12_password }}"
    ca_bundle: "{{ lookup('file', '/srv/pki/ca-bundle.pem') }}"
    service_user: etl
  no_log: true

- name: Push PEM text from Ansible Vault
  hybridcloud.rolesanywhere.certificate_push:
    certificate_pem: "{{ vault_host_certificate }}"
    private_key_pem: "{{ vault_host_private_key }}"
    ca_bundle: "{{ lookup('file', '/srv/pki/ca-bundle.pem') }}"
  no_log: true
"""

RETURN = r"""
certificate:
  description: Summary of the pushed certificate.
  returned: always
  type: dict
  contains:
    serial:
      description: Serial number, upper-case hex.
      type: str
    subject:
      description: Subject.
      type: str
    not_after:
      description: End of validity (ISO 8601).
      type: str
    fingerprint:
      description: SHA-256 fingerprint.
      type: str
certificate_path:
  description: Path of the installed certificate on the host.
  returned: unless O(validate_only=true)
  type: str
private_key_path:
  description: Path of the installed private key on the host.
  returned: unless O(validate_only=true)
  type: str
serial:
  description: Serial of the installed certificate.
  returned: unless O(validate_only=true)
  type: str
"""
