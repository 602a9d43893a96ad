#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: certificate_authority
short_description: Create or adopt the local certificate authority that IAM Roles Anywhere trusts
version_added: 1.0.0
description:
  - Ensures a private certificate authority in a directory on the controller (O(path)), for use as an IAM Roles Anywhere
    trust anchor of source type C(CERTIFICATE_BUNDLE).
  - Creates C(ca.key) (PKCS#8, mode C(0600) from the moment it exists, encrypted when O(passphrase) is set) and the
    self-signed C(ca.crt) (C(CA:true) critical, keyUsage C(keyCertSign) and C(cRLSign), SHA-256 or stronger).
  - With O(intermediate=true) also C(intermediate.key) and C(intermediate.crt) signed by the root, and C(chain.pem) that
    hosts send as intermediates. The intermediate then signs the host certificates.
  - Adopts an existing CA that follows the rules of IAM Roles Anywhere, even when it differs from the options (a warning
    says how). Refuses, without touching it, a CA that breaks a rule (expired, not a CA, weak key, key not matching).
  - The CA can instead come from PEM text (O(ca_certificate_pem) and O(ca_private_key_pem), for example injected by an
    AWX credential), for controllers whose file system does not persist. It is then checked and reported, and nothing
    is written (no CA file is created in O(path)).
  - With O(trusted_certificates) (the certificate bundle of the existing trust anchor), a CA that the trust anchor does
    not trust, or no CA at all, fails before anything is created, naming the subject and SHA-256 fingerprint of the
    CA(s) the anchor trusts and of the CA found, unless O(replace=true).
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  path:
    description: Directory that holds the CA files (the role variable C(rolesanywhere_ca_path)). Created C(0700) when missing.
    type: path
    required: true
  key_type:
    description: Key algorithm and size of newly created CA keys.
    type: str
    choices: [ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096]
    default: ec-p384
  validity_days:
    description: Validity of newly created CA certificates, in days. An intermediate never outlives the root.
    type: int
    default: 3650
  common_name:
    description: Common name (CN) of the root CA certificate.
    type: str
    default: Roles Anywhere Private CA
  organization:
    description: Organization (O) of the CA certificates.
    type: str
  organizational_unit:
    description: Organizational unit (OU) of the CA certificates.
    type: str
  intermediate:
    description:
      - Whether an intermediate CA, signed by the root, signs the host certificates.
      - Existing intermediate files with O(intermediate=false) are an error, never silently ignored.
    type: bool
    default: false
  intermediate_common_name:
    description: Common name of the intermediate CA. Defaults to O(common_name) followed by C(Intermediate).
    type: str
  passphrase:
    description:
      - Passphrase that encrypts the CA keys (for example from Ansible Vault). Needed again to adopt or sign with them.
      - Also decrypts O(ca_private_key_pem) and O(intermediate_private_key_pem) when they are encrypted.
    type: str
  trusted_certificates:
    description:
      - PEM bundle that the existing trust anchor trusts (its C(x509_certificate_data), as
        M(hybridcloud.rolesanywhere.trust_anchor_info) returns it). Omitted or empty when there is no trust anchor yet.
      - The root CA (found in O(path), in O(ca_certificate_pem), or about to be created) must be one of them.
    type: str
  trust_anchor_name:
    description: Name of that trust anchor, for the error message.
    type: str
  replace:
    description:
      - Allow a CA that O(trusted_certificates) does not hold, creating one when O(path) is empty. Every host enrolled
        under the old CA is locked out until it is enrolled again.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes
  - hybridcloud.rolesanywhere.ca_pem_source
notes:
  - Runs on the controller; needs the Python C(cryptography) library there.
  - Supports check mode and diff mode (the diff shows the CA certificate fingerprints before and after). Check mode
    fails the same way on a CA the trust anchor does not trust.
seealso:
  - module: hybridcloud.rolesanywhere.sign_certificates
  - module: hybridcloud.rolesanywhere.revocation_list
"""

EXAMPLES = r"""
- name: Ensure the CA that the trust anchor holds
  hybridcloud.rolesanywhere.certificate_authority:
    path: /etc/rolesanywhere/ca
    common_name: Example Corp Roles Anywhere CA
    organization: Example Corp
    passphrase: "{{ vault_rolesanywhere_ca_passphrase }}"
  register: ca

- name: Create the trust anchor from it
  hybridcloud.rolesanywhere.trust_anchor:
    name: onprem
    certificate_bundle: "{{ ca.ca_certificate }}"

- name: The CA from an AWX credential; refuse it when the existing trust anchor trusts another CA
  hybridcloud.rolesanywhere.certificate_authority:
    path: /var/lib/rolesanywhere/records
    ca_certificate_pem: "{{ rolesanywhere_ca_certificate_pem }}"
    ca_private_key_pem: "{{ rolesanywhere_ca_private_key_pem }}"
    trusted_certificates: "{{ anchor.trust_anchors[0].source.source_data.x509_certificate_data }}"
    trust_anchor_name: onprem

- name: A root kept offline-ish, with an intermediate that signs the hosts
  hybridcloud.rolesanywhere.certificate_authority:
    path: /etc/rolesanywhere/ca
    key_type: rsa-3072
    intermediate: true
"""

RETURN = r"""
ca_certificate:
  description: PEM of the root CA certificate; what the trust anchor's certificate bundle holds.
  returned: always
  type: str
issuer_certificate:
  description: PEM of the CA certificate that signs host certificates (the intermediate, or the root without one).
  returned: always
  type: str
chain:
  description: PEM of the intermediates that hosts send along with their certificate; empty without an intermediate.
  returned: always
  type: str
trust_bundle:
  description:
    - PEM of the root followed by the intermediates; what the trust anchor's certificate bundle holds, so that a CRL
      signed by the CA that issues the host certificates belongs to a CA of the trust anchor.
    - With O(trusted_certificates) (and without O(replace)) the certificates the trust anchor trusts come first and are
      kept, followed by those of this CA it lacks; so a CA rotation can overlap.
  returned: always
  type: str
ca_source:
  description: Where the CA came from, V(files) (O(path)) or V(variables) (O(ca_certificate_pem)).
  returned: always
  type: str
ca_path:
  description: The CA directory.
  returned: always
  type: str
ca_certificate_path:
  description: Path of C(ca.crt); null when the CA comes from O(ca_certificate_pem) (also for the other paths).
  returned: always
  type: str
ca_key_path:
  description: Path of C(ca.key).
  returned: always
  type: str
issuer_certificate_path:
  description: Path of the certificate that signs host certificates.
  returned: always
  type: str
issuer_key_path:
  description: Path of the key that signs host certificates.
  returned: always
  type: str
chain_path:
  description: Path of C(chain.pem), or null without an intermediate.
  returned: always
  type: str
serial:
  description: Serial number of the root certificate, upper-case hexadecimal.
  returned: always
  type: str
  sample: 5A1F0C3E9B
not_after:
  description: End of the root certificate's validity (ISO 8601, UTC).
  returned: always
  type: str
fingerprint:
  description: SHA-256 fingerprint of the root certificate.
  returned: always
  type: str
subject:
  description: Subject of the root certificate (RFC 4514).
  returned: always
  type: str
key_type:
  description: Key type of the root certificate, for example C(ec-p384).
  returned: always
  type: str
issuer:
  description: Summary of the certificate that signs host certificates.
  returned: always
  type: dict
  contains:
    serial:
      description: Serial number (hex).
      type: str
    subject:
      description: Subject.
      type: str
    not_before:
      description: Start of validity.
      type: str
    not_after:
      description: End of validity.
      type: str
    fingerprint:
      description: SHA-256 fingerprint.
      type: str
    key_type:
      description: Key type.
      type: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.atomic_files import FileWriteError
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.ca_custody import CustodyCheck
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.local_ca import (
    KEY_TYPES,
    PemSource,
    build_name,
    describe_pem_ca,
    ensure_ca,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            key_type=dict(type="str", choices=list(KEY_TYPES), default="ec-p384"),
            validity_days=dict(type="int", default=3650),
            common_name=dict(type="str", default="Roles Anywhere Private CA"),
            organization=dict(type="str"),
            organizational_unit=dict(type="str"),
            intermediate=dict(type="bool", default=False),
            intermediate_common_name=dict(type="str"),
            passphrase=dict(type="str", no_log=True),
            trusted_certificates=dict(type="str"),
            trust_anchor_name=dict(type="str"),
            replace=dict(type="bool", default=False),
            **PemSource.argument_spec(),
        ),
        supports_check_mode=True,
    )
    if not pki.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    if params["validity_days"] < 1:
        module.fail_json(msg="validity_days must be at least 1, got %d" % params["validity_days"])
    if not params["common_name"]:
        module.fail_json(msg="common_name must not be empty: a CA needs a subject")

    subject = build_name(params["common_name"], params["organization"], params["organizational_unit"])
    intermediate_subject = build_name(
        params["intermediate_common_name"] or params["common_name"] + " Intermediate",
        params["organization"],
        params["organizational_unit"],
    )
    try:
        custody = CustodyCheck(params["trust_anchor_name"], params["trusted_certificates"], params["replace"])
        pem_source = PemSource.from_params(params)
        if pem_source is not None:
            changed, result, warnings = describe_pem_ca(
                params["path"], pem_source, params["intermediate"], params["passphrase"], custody
            )
        else:
            changed, result, warnings = ensure_ca(
                params["path"],
                key_type=params["key_type"],
                validity_days=params["validity_days"],
                subject=subject,
                intermediate=params["intermediate"],
                intermediate_subject=intermediate_subject,
                passphrase=params["passphrase"],
                check_mode=module.check_mode,
                custody=custody,
            )
        result["trust_bundle"] = custody.merged_bundle(result["trust_bundle"])
    except (pki.CertificateRuleError, FileWriteError) as exc:
        module.fail_json(msg=str(exc))
    for warning in warnings:
        module.warn(warning)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
