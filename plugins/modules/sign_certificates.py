#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sign_certificates
short_description: Sign the CSRs of every host of the play in one pass on the controller
version_added: 1.0.0
description:
  - Runs on the controller only (an action plugin); nothing is sent to the hosts, and the CA key never leaves the controller.
  - Run it once per play (C(run_once=true)) after M(hybridcloud.rolesanywhere.certificate_request) ran on the hosts and its
    result was registered under the same variable name on each of them (O(request_var)). It reads that result from
    C(hostvars) for every host of O(hosts) (default C(ansible_play_batch)), and signs the CSR of each host that needs a
    certificate.
  - A host needs a certificate when its request says so (missing, expiring within the renewal window, not matching the
    key, issued by another CA, subject or DNS names changed), when O(force=true), or when its installed certificate was
    not issued by the current issuer (checked here, which covers ACM Private CA).
  - Signs with the local CA in O(ca_path) (see M(hybridcloud.rolesanywhere.certificate_authority)) or through ACM Private CA
    (O(acm_pca_arn); IssueCertificate, waiter, GetCertificate), or through an external CA (O(external_signer)), a command
    on the controller that gets every CSR of the batch in one JSON document on stdin and answers with the certificates
    and chains on stdout (the contract is in the collection's docs/pki.md). Every certificate it returns must belong to
    the CSR's key, follow the leaf rules and chain up to a CA of O(external_signer_ca_bundle); a signer that fails or
    answers garbage refuses every host of the batch, naming each, and nothing is installed.
  - Refuses, for that host only, a CSR whose self-signature is bad, whose subject is empty, whose key is weak (RSA below 2048
    bits, curves other than P-256/P-384/P-521) or that is signed with less than SHA-256. Every issued certificate is
    checked against the leaf rules of IAM Roles Anywhere (CA:false, digitalSignature, SHA-256 or stronger, non-empty
    subject) and the host's validity; the SubjectAltName is the one the CSR requested.
  - Each host is signed with its own validity where its request carries one (the C(validity_days) that
    M(hybridcloud.rolesanywhere.certificate_request) returns, which the enroll role sets from the host's
    C(rolesanywhere_cert_validity_days)), else with O(cert_validity_days). The task runs once for the whole batch, so a
    per-host validity can only come with the host's request.
  - Per-host outcomes are in RV(certificates) and RV(failures); the task itself fails only for problems that concern every
    host (no CA, wrong passphrase, AWS errors). Fail the refused hosts in a following task (the C(enroll) role does).
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  request_var:
    description:
      - Name of the variable each host registered the M(hybridcloud.rolesanywhere.certificate_request) result in.
      - A dotted name reads a key of it, for example V(setup.enrollment) for the enrolment step that
        M(hybridcloud.rolesanywhere.credential_setup) ran (registered as C(setup)).
    type: str
    default: __rolesanywhere_request
  hosts:
    description: Hosts whose requests are considered. Defaults to C(ansible_play_batch) (the hosts of the current batch).
    type: list
    elements: str
  ca_path:
    description: Directory of the local CA. Exactly one of O(ca_path), O(acm_pca_arn) and O(external_signer) is required.
    type: path
  passphrase:
    description: Passphrase of the local CA key.
    type: str
  acm_pca_arn:
    description: ARN of the ACM Private CA that issues the certificates.
    type: str
  external_signer:
    description:
      - The external signer's command as a list (program, then arguments; no shell), or a single program path.
      - V(step-ca) as the program names the signer for step-ca shipped with the collection; its arguments are
        C(--ca-url), C(--root), C(--provisioner), C(--provisioner-password-file) and optionally C(--step) (docs/pki.md).
    type: raw
  external_signer_ca_bundle:
    description:
      - PEM of the external PKI's CA certificates the trust anchor holds (its root, and intermediates when the anchor holds
        them too). Required with O(external_signer); every returned certificate must chain up to one of them.
    type: str
  external_signer_timeout:
    description: Seconds the external signer may take for the whole batch.
    type: int
    default: 300
  cert_validity_days:
    description:
      - Validity in days of the certificates whose request carries none (the maximum accepted from ACM Private CA as
        well).
    type: int
    default: 365
  force:
    description: Sign a new certificate for every host with a CSR, whatever the state of its current one.
    type: bool
    default: false
  region:
    description: AWS region for ACM Private CA. Defaults to the region of O(acm_pca_arn), then the usual AWS configuration.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description: URL of the AWS endpoint to use instead of the default one (C(AWS_ENDPOINT_URL) is honoured as well).
    type: str
    aliases: [aws_endpoint_url]
  profile:
    description: Named AWS profile for ACM Private CA.
    type: str
    aliases: [aws_profile]
  access_key:
    description: AWS access key ID.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description: AWS secret access key.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description: AWS session token.
    type: str
    aliases: [aws_session_token]
  waiter_delay:
    description: Seconds between checks while ACM Private CA issues a certificate.
    type: int
    default: 1
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - hybridcloud.rolesanywhere.attributes.no_diff
  - hybridcloud.rolesanywhere.attributes.action
  - hybridcloud.rolesanywhere.ca_pem_source
notes:
  - Supports check mode; in check mode nothing is signed or requested and RV(would_sign) lists the hosts that would get a certificate.
  - Needs the Python C(cryptography) library on the controller, and C(boto3) for ACM Private CA.
seealso:
  - module: hybridcloud.rolesanywhere.certificate_request
  - module: hybridcloud.rolesanywhere.certificate_install
  - module: hybridcloud.rolesanywhere.certificate_authority
"""

EXAMPLES = r"""
- name: Key and CSR on every host
  hybridcloud.rolesanywhere.certificate_request:
    common_name: "{{ inventory_hostname }}"
  register: request

- name: Sign them all at once
  hybridcloud.rolesanywhere.sign_certificates:
    request_var: request
    ca_path: /etc/rolesanywhere/ca
    passphrase: "{{ vault_ca_passphrase }}"
    cert_validity_days: 90
  run_once: true
  register: signed

- name: Fail the hosts whose CSR was refused
  ansible.builtin.fail:
    msg: "{{ signed.failures[inventory_hostname] }}"
  when: inventory_hostname in signed.failures

- name: Through ACM Private CA instead
  hybridcloud.rolesanywhere.sign_certificates:
    request_var: request
    acm_pca_arn: arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0d3c1f6e-1111-2222-3333-444455556666
  run_once: true
  register: signed

- name: Through step-ca, with the signer the collection ships
  hybridcloud.rolesanywhere.sign_certificates:
    request_var: request
    external_signer: [step-ca, --ca-url, "https://ca.example.com:9000", --root, /etc/step/root_ca.crt,
                      --provisioner, ansible, --provisioner-password-file, /etc/step/provisioner-password]
    external_signer_ca_bundle: "{{ lookup('file', '/etc/step/root_ca.crt') }}"
  run_once: true
  register: signed
"""

RETURN = r"""
certificates:
  description: Per host that got a certificate in this run.
  returned: always
  type: dict
  contains:
    certificate:
      description: PEM of the host certificate.
      type: str
    chain:
      description: PEM of the intermediates to install with it (may be empty).
      type: str
    ca_certificate:
      description: PEM of the root CA certificate.
      type: str
    serial:
      description: Serial number, upper-case hex.
      type: str
    not_after:
      description: End of validity (ISO 8601).
      type: str
    subject:
      description: Subject of the certificate.
      type: str
    reasons:
      description: Why it was issued.
      type: list
      elements: str
failures:
  description: Host name to the reason its CSR or certificate was refused.
  returned: always
  type: dict
up_to_date:
  description: Hosts whose certificate needs nothing.
  returned: always
  type: list
  elements: str
would_sign:
  description: Hosts that would get a certificate (check mode, or a key that does not exist yet).
  returned: always
  type: list
  elements: str
issuer:
  description: C(local), C(acm-pca) or C(external).
  returned: always
  type: str
issuer_certificate:
  description: PEM of the certificate that signs host certificates.
  returned: always
  type: str
ca_certificate:
  description: PEM of the root CA certificate.
  returned: always
  type: str
hosts:
  description: Hosts whose certificate_request result was found.
  returned: always
  type: list
  elements: str
"""
