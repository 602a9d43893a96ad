#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: revocation_list
short_description: Build and sign the certificate revocation list of the local CA
version_added: 1.0.0
description:
  - Runs on the controller. Builds a CRL signed by the CA that issues host certificates (the intermediate when there is
    one) from certificate serials and host names, extending the existing CRL (O(crl), else the file O(dest)).
    Revocation only grows; an entry keeps its original revocation date.
  - Host names are resolved to every serial known to be theirs, from all of these (a union, so older certificates of a
    lost host are revoked too) - C(issued.json) in O(ca_path), which M(hybridcloud.rolesanywhere.sign_certificates)
    keeps; the certificates the hosts report (O(certificates) with a C(host)); and the certificates IAM Roles Anywhere
    recorded for the subjects that asked it for credentials (O(certificates) without a C(host), see
    M(hybridcloud.rolesanywhere.subject_info)), matched by the subject's common name (O(common_names)). Only
    certificates this CA's issuer signed count. A controller whose O(ca_path) starts empty (AWX) still resolves hosts.
  - The CRLs imported for the trust anchor (O(imported_crls)) are merged in, so revocation only ever grows whichever
    controller or job runs it. Only CRLs this CA's issuer signed are merged (the signature is verified); a CRL of
    another issuer is left as it is and named in a warning, since its serials are another CA's.
  - Idempotent; with the same revoked set and a CRL that is not close to its next update, nothing changes.
  - Writes the CRL to O(dest) and a readable record to C(revoked.json) in O(ca_path). The result's RV(crl) is what
    M(hybridcloud.rolesanywhere.crl) imports into IAM Roles Anywhere.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  ca_path:
    description: Directory of the local CA (C(rolesanywhere_ca_path)).
    type: path
    required: true
  passphrase:
    description: Passphrase of the CA keys.
    type: str
  serials:
    description:
      - Serial numbers to revoke, in hex as C(openssl x509 -serial -noout) prints them and as the collection reports them
        (colons and a C(0x) prefix are accepted), or in decimal with the prefix C(dec:), e.g. C(dec:20282).
      - Each must be the serial of a certificate this CA issued (recorded in C(issued.json) or given in O(certificates))
        or one a CRL of this CA already revokes; a value that is a known host name is taken as that host.
      - A value that matches nothing is an error naming it, raised before anything is written.
    type: list
    elements: str
    default: []
  hosts:
    description:
      - Inventory names whose certificates are all revoked (found in C(issued.json) and O(certificates)).
      - A host with no certificate known from either is an error naming it and the fix (pass its serial), raised before
        anything is written.
    type: list
    elements: str
    default: []
  crl:
    description: PEM of an existing CRL to extend, instead of the file at O(dest). It must be signed by this CA.
    type: str
  imported_crls:
    description:
      - The CRLs imported for the trust anchor, as the C(crls) result of M(hybridcloud.rolesanywhere.crl_info) (each
        item needs C(crl_data), the PEM text, and C(name)). Their entries are merged into the new CRL.
      - A CRL another issuer signed is not merged and is reported in a warning.
    type: list
    elements: dict
    default: []
  crl_name:
    description:
      - Name under which the result is imported. When a CRL in O(imported_crls) has this name but another issuer signed
        it, the module fails before anything is written (importing would replace that issuer's revocations).
    type: str
  certificates:
    description:
      - Certificates known to be issued, each a dict with C(certificate) (PEM) and, when a host reported it, C(host)
        (the inventory name). Certificates without C(host) (the service's subjects) are matched to hosts by common name.
      - Certificates this CA's issuer did not sign are ignored.
    type: list
    elements: dict
    default: []
  common_names:
    description: Inventory name to the common name of its certificates (C(rolesanywhere_common_name)); default the name itself.
    type: dict
    default: {}
  dest:
    description: Path of the CRL file. Defaults to C(crl.pem) in O(ca_path).
    type: path
  next_update_days:
    description: Days until the next update announced in a newly signed CRL.
    type: int
    default: 30
  renew_before_days:
    description: A CRL whose next update is closer than this many days is signed again even when nothing was added.
    type: int
    default: 7
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes
  - hybridcloud.rolesanywhere.ca_pem_source
notes:
  - Supports check mode and diff mode (the diff lists the revoked serials before and after).
seealso:
  - module: hybridcloud.rolesanywhere.crl
  - module: hybridcloud.rolesanywhere.certificate_authority
"""

EXAMPLES = r"""
- name: Revoke a lost host and a stray certificate
  hybridcloud.rolesanywhere.revocation_list:
    ca_path: /etc/rolesanywhere/ca
    hosts: [db07]
    serials: ["5A1F0C3E9B"]
  register: revocation

- name: Import it for the trust anchor
  hybridcloud.rolesanywhere.crl:
    name: onprem-ca-crl
    trust_anchor_arn: "{{ trust_anchor_arn }}"
    crl: "{{ revocation.crl }}"
"""

RETURN = r"""
crl:
  description: PEM of the CRL (for M(hybridcloud.rolesanywhere.crl)).
  returned: always
  type: str
crl_path:
  description: Where the CRL is written.
  returned: always
  type: str
revoked_serials:
  description: All serials the CRL revokes, hex as C(openssl x509 -serial -noout) prints them, sorted.
  returned: always
  type: list
  elements: str
added_serials:
  description: Serials revoked by this run.
  returned: always
  type: list
  elements: str
hosts:
  description: Host name to the serials (hex) revoked for it.
  returned: always
  type: dict
foreign_crls:
  description: Names of the imported CRLs another issuer signed (left as they are, not merged).
  returned: always
  type: list
  elements: str
crl_number:
  description: The CRL number.
  returned: always
  type: int
next_update:
  description: Next update announced by the CRL (ISO 8601).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files, local_ca, pki


def existing_crl(module, dest):
    if module.params["crl"]:
        return pki.load_crl(module.params["crl"], field="crl")
    content = atomic_files.read_bytes(dest)
    return pki.load_crl(content, field=dest) if content is not None else None


def imported_crls(module, ca):
    """This CA's CRLs among those imported for the trust anchor; the others are named in a warning, never merged."""
    parsed = []
    for index, item in enumerate(module.params["imported_crls"]):
        label = "imported_crls[%d] (%s)" % (index, item.get("name") or item.get("crl_id") or "unnamed")
        parsed.append((item.get("name") or label, pki.load_crl(item.get("crl_data") or "", field=label)))
    mine, foreign = local_ca.own_crls(ca, parsed)
    if module.params["crl_name"] in foreign:
        raise pki.CertificateRuleError(
            "the CRL '%s' imported for the trust anchor is signed by another issuer than this CA's (%s); importing this CA's "
            "CRL under that name would replace that issuer's revocations. Set crl_name (rolesanywhere_crl_name) to another name"
            % (module.params["crl_name"], ca.issuer_cert.subject.rfc4514_string()),
            rule="crl_issuer",
            field="crl_name",
        )
    for name in foreign:
        module.warn(
            "the CRL '%s' imported for the trust anchor is signed by another issuer; it is left as it is and its "
            "entries are not merged (serials are unique per issuer only)" % name
        )
    return mine, foreign


def known_certificates(params, ca):
    certificates = []
    for index, item in enumerate(params["certificates"]):
        field = "certificates[%d]" % index
        for cert in pki.load_certificates(item.get("certificate") or "", field=field)[:1]:
            certificates.append((item.get("host"), cert))
    return local_ca.KnownCertificates(params["ca_path"], ca, certificates, params["common_names"])


def run(module):
    params = module.params
    pem_source = local_ca.PemSource.from_params(params)
    ca = local_ca.load_ca(params["ca_path"], params["passphrase"], pem_source)
    directory = local_ca.CaDirectory(params["ca_path"])
    dest = params["dest"] or directory.crl
    current = existing_crl(module, dest)
    service_crls, foreign = imported_crls(module, ca)
    already_revoked = local_ca.merged_revocations(([current] if current is not None else []) + service_crls)
    # Every value must name something this CA issued, or nothing is written: a typo never passes as a revocation.
    wanted, labels, by_host = local_ca.resolve_revocation(
        params["ca_path"], params["hosts"], params["serials"], already_revoked, known_certificates(params, ca)
    )
    before = sorted(pki.serial_hex(s) for s in already_revoked)
    changed, crl, revoked = local_ca.ensure_crl(
        ca, wanted, current, params["next_update_days"], params["renew_before_days"], imported_crls=service_crls
    )
    crl_pem = crl.public_bytes(local_ca.serialization.Encoding.PEM)
    after = sorted(pki.serial_hex(s) for s in revoked)

    if pem_source is not None and not module.check_mode:
        # The CA came from variables: the records directory of a job that starts empty may not exist yet.
        atomic_files.ensure_directory(params["ca_path"], 0o700)
    file_changed = atomic_files.ensure_file(dest, crl_pem, 0o644, check_mode=module.check_mode)
    record = local_ca.update_revoked_record(directory.revoked_record, revoked, labels)
    record_changed = atomic_files.ensure_file(directory.revoked_record, record, 0o644, check_mode=module.check_mode)
    module.exit_json(
        changed=changed or file_changed or record_changed,
        crl=crl_pem.decode("ascii"),
        crl_path=dest,
        revoked_serials=after,
        added_serials=sorted(set(after) - set(before)),
        hosts=by_host,
        crl_number=local_ca.crl_number(crl),
        foreign_crls=foreign,
        next_update=crl.next_update_utc.isoformat() if crl.next_update_utc else None,
        diff={"before": {"revoked_serials": before}, "after": {"revoked_serials": after}} if module._diff else None,
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ca_path=dict(type="path", required=True),
            passphrase=dict(type="str", no_log=True),
            serials=dict(type="list", elements="str", default=[]),
            hosts=dict(type="list", elements="str", default=[]),
            crl=dict(type="str"),
            imported_crls=dict(type="list", elements="dict", default=[]),
            crl_name=dict(type="str"),
            certificates=dict(type="list", elements="dict", default=[]),
            common_names=dict(type="dict", default={}),
            dest=dict(type="path"),
            next_update_days=dict(type="int", default=30),
            renew_before_days=dict(type="int", default=7),
            **local_ca.PemSource.argument_spec(),
        ),
        supports_check_mode=True,
    )
    if not pki.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)
    if module.params["next_update_days"] < 1:
        module.fail_json(msg="next_update_days must be at least 1")
    try:
        run(module)
    except (pki.CertificateRuleError, atomic_files.FileWriteError) as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
