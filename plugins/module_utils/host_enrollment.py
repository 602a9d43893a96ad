# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One host's enrolment step: ensure the private key, return a CSR and the state of the installed certificate.

certificate_request runs it on its own; credential_setup runs it first, in the same module call, when it is given an
``enrollment`` (the onboard playbook's single host step), so an unchanged host answers for its key, certificate,
signing helper and AWS profiles in one round trip. Both validate its arguments with ARGUMENT_SPEC.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files, host_keys, input_rules

ARGUMENT_SPEC = dict(
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
    # Not used on the host: returned with the CSR so that the batch signing gives each host its own validity.
    validity_days=dict(type="int"),
    backend=dict(type="str", choices=["auto", "cryptography", "openssl"], default="auto"),
)


class EnrollmentError(Exception):
    """An input or a file on the host the step refuses; the message names the field and the fix."""


# The errors of the layers below, which already name the file and the fix.
ERRORS = (EnrollmentError, host_keys.HostKeyError, atomic_files.FileWriteError)


def requested_subject(params):
    return [(field, params[field]) for field in ("organization", "organizational_unit", "common_name") if params[field]]


def key_label(public_der, present=True):
    """What --diff shows of a key: its type and a short digest of its PUBLIC half, never the key itself."""
    if public_der is None:
        return "unreadable" if present else "absent"
    return "%s %s" % (host_keys.key_type_of_spki(public_der), hashlib.sha256(public_der).hexdigest()[:16])


def complete_interrupted_install(backend, files, check_mode):
    """Finish (or discard) what an install stopped between its renames left behind; True when something changed."""
    pending_cert = atomic_files.read_bytes(files.pending_certificate)
    if pending_cert is None:
        return False
    step = host_keys.interrupted_install_step(
        host_keys.public_key_or_none(backend, atomic_files.read_bytes(files.key)),
        host_keys.public_key_or_none(backend, atomic_files.read_bytes(files.pending_key)),
        host_keys.certificate_key_or_none(backend, pending_cert.decode("ascii", "replace")),
    )
    if check_mode:
        return True
    if step == "complete":
        atomic_files.rename_in_directory(files.cert_dir, files.swap_renames())
    elif step == "certificate":
        atomic_files.rename_in_directory(files.cert_dir, files.swap_renames()[1:])
    else:
        atomic_files.remove_file(files.pending_certificate)
    return True


def discard_pending_key(files, check_mode):
    """A pending key nobody wants any more (the rotation that made it was not repeated) is removed."""
    if not atomic_files.file_state(files.pending_key)[0]:
        return False
    if not check_mode:
        atomic_files.remove_file(files.pending_key)
    return True


def new_key(backend, key_type, path, owner, check_mode):
    """Generate a key into ``path`` (0600, owned by the service user from its creation); None in check mode."""
    if check_mode:
        return None
    key_pem = backend.generate_key(key_type)
    atomic_files.write_atomically(path, key_pem, 0o600, owner[0], owner[1])
    return key_pem


def ensure_key(params, backend, files, owner, check_mode):
    """Return (changed, PEM of the key the CSR is for (None in check mode when generated), its path, key report).

    While a working key exists, a new key is written beside it (the pending key) and replaces it only together with
    its certificate, in certificate_install.
    """
    uid, gid = owner
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
        changed = discard_pending_key(files, check_mode)
        # A key file that others can read, or that the service user cannot, is rewritten with its proper mode and owner.
        if atomic_files.ensure_file(files.key, live_pem, 0o600, uid, gid, check_mode=check_mode):
            changed, report["reason"] = True, "mode or owner corrected"
        return changed, live_pem, files.key, report
    report["generated"] = True
    if live_public is None:
        # No working key, so no working pair to protect: the new key goes straight into place.
        discard_pending_key(files, check_mode)
        return True, new_key(backend, params["key_type"], files.key, owner, check_mode), files.key, report
    report["pending"] = True
    pending_pem = atomic_files.read_bytes(files.pending_key)
    if host_keys.pending_key_reusable(backend, pending_pem, params["key_type"]):
        report["generated"] = False
        report["reason"] = "%s (the pending key of an interrupted rotation is reused)" % reason
        changed = atomic_files.ensure_file(files.pending_key, pending_pem, 0o600, uid, gid, check_mode=check_mode)
        return changed, pending_pem, files.pending_key, report
    return True, new_key(backend, params["key_type"], files.pending_key, owner, check_mode), files.pending_key, report


def refuse_bad_input(params):
    """The subject and DNS names by the rules X.509 and the service apply, before a key is made or a file touched."""
    if not params["common_name"]:
        raise EnrollmentError("common_name must not be empty: Roles Anywhere refuses certificates without a subject")
    if params["renew_before_days"] < 0:
        raise EnrollmentError("renew_before_days must be 0 or more")
    try:
        input_rules.common_name("common_name", params["common_name"])
        input_rules.subject_attribute("organization", params["organization"])
        input_rules.subject_attribute("organizational_unit", params["organizational_unit"])
        input_rules.dns_names("dns_names", params["dns_names"])
        if params["validity_days"] is not None:
            # The range of rolesanywhere_cert_validity_days, which the enroll role passes here.
            input_rules.RULES["rolesanywhere_cert_validity_days"]("validity_days", params["validity_days"])
    except input_rules.InputError as exc:
        raise EnrollmentError("%s; nothing was changed" % exc)


def file_paths(params):
    """The PairFiles of the step: O(cert_dir), or the default directory in the service user's home."""
    cert_dir = params["cert_dir"] or host_keys.default_cert_dir(atomic_files.home_of(params["service_user"]))
    return host_keys.PairFiles(cert_dir)


def issuer_pem_of(params):
    if not params["issuer_certificate"]:
        return None
    issuer_pem = host_keys.first_pem_certificate(params["issuer_certificate"])
    if issuer_pem is None:
        raise EnrollmentError(
            "issuer_certificate holds no PEM certificate; pass the CA certificate PEM (certificate_authority's "
            "issuer_certificate)"
        )
    return issuer_pem


def installed_certificate(backend, files, issuer_pem, params):
    """(state of the installed certificate, reasons it needs a new one) against the working key."""
    live_pem = atomic_files.read_bytes(files.key)
    if host_keys.public_key_or_none(backend, live_pem) is None:
        live_pem = None
    cert_bytes = atomic_files.read_bytes(files.certificate)
    cert_pem = cert_bytes.decode("ascii", "replace") if cert_bytes is not None else None
    return host_keys.installed_state(
        backend,
        cert_pem,
        live_pem,
        issuer_pem,
        params["renew_before_days"],
        requested_subject(params),
        params["dns_names"],
    )


def request(params, check_mode=False, diff=False):
    """Run the step with validated ``params`` (ARGUMENT_SPEC); the result certificate_request returns.

    Raises one of ERRORS, before any change for bad input.
    """
    refuse_bad_input(params)
    owner = atomic_files.resolve_owner(params["service_user"], params["group"])
    files = file_paths(params)
    backend = host_keys.select_backend(params["backend"])
    issuer_pem = issuer_pem_of(params)

    changed = False
    if not check_mode:
        changed = atomic_files.ensure_directory(files.cert_dir, 0o700, owner[0], owner[1])
    changed = complete_interrupted_install(backend, files, check_mode) or changed
    key_changed, csr_key_pem, csr_key_path, key_report = ensure_key(params, backend, files, owner, check_mode)
    changed = changed or key_changed

    installed, reasons = installed_certificate(backend, files, issuer_pem, params)
    if key_report["pending"]:
        reasons = ["a new private key waits for its certificate: %s" % key_report["reason"]]
    elif csr_key_pem is None:
        reasons = ["a new private key will be generated"]
    subject = requested_subject(params)
    csr = backend.make_csr(csr_key_pem, csr_key_path, subject, params["dns_names"]) if csr_key_pem else None
    csr_public = host_keys.public_key_or_none(backend, csr_key_pem)
    before = {"private_key": key_report.pop("before"), "certificate": installed.get("serial", "absent")}
    after = {
        "private_key": key_label(csr_public) if csr_public is not None else "new %s key" % params["key_type"],
        "certificate": before["certificate"],
    }
    return dict(
        changed=changed,
        backend=backend.name,
        cert_dir=files.cert_dir,
        csr=csr,
        key=key_report,
        installed=installed,
        diff={"before": before, "after": after} if diff else None,
        needs_certificate=bool(reasons),
        reasons=reasons,
        common_name=params["common_name"],
        dns_names=params["dns_names"],
        validity_days=params["validity_days"],
        pending_key_path=files.pending_key if key_report["pending"] else None,
        private_key_path=files.key,
        certificate_path=files.certificate,
        chain_path=files.chain,
        ca_certificate_path=files.ca_certificate,
    )
