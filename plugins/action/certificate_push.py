# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Push mode: a certificate and key an existing PKI issued, checked on the controller, then installed on the host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki

try:
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import existing_pki, local_ca
except ImportError:  # cryptography missing; reported below with the fix
    existing_pki = None

ARGUMENT_SPEC = dict(
    certificate_pem=dict(type="str"),
    certificate_path=dict(type="path"),
    private_key_pem=dict(type="str", no_log=True),
    private_key_path=dict(type="path"),
    chain_pem=dict(type="str", default=""),
    pkcs12_path=dict(type="path"),
    pkcs12_password=dict(type="str", no_log=True),
    ca_bundle=dict(type="str", required=True),
    crl_pem=dict(type="str", default=""),
    validate_only=dict(type="bool", default=False),
    cert_dir=dict(type="path"),
    service_user=dict(type="str"),
    group=dict(type="str"),
    backend=dict(type="str", choices=["auto", "cryptography", "openssl"], default="auto"),
)
MUTUALLY_EXCLUSIVE = [
    ("certificate_pem", "certificate_path", "pkcs12_path"),
    ("private_key_pem", "private_key_path", "pkcs12_path"),
]
# The role's variable for each option, so an error names what the user sets.
ROLE_VARIABLES = {
    "certificate_pem": "rolesanywhere_push_certificate_pem",
    "certificate_path": "rolesanywhere_push_certificate_path",
    "private_key_pem": "rolesanywhere_push_private_key_pem",
    "private_key_path": "rolesanywhere_push_private_key_path",
    "chain_pem": "rolesanywhere_push_chain_pem",
    "pkcs12_path": "rolesanywhere_push_pkcs12_path",
    "ca_bundle": "rolesanywhere_pki_ca_bundle",
    "crl_pem": "rolesanywhere_push_crl_pem",
}


def read_controller_file(path, option):
    try:
        with open(os.path.expanduser(path), "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        raise pki.CertificateRuleError(
            "%s (%s) cannot be read on the controller: %s" % (ROLE_VARIABLES[option], path, exc.strerror or exc),
            field=option,
        )


class PushedPair:
    """The host's certificate, key and chain as given, loaded on the controller."""

    def __init__(self, args):
        if args["pkcs12_path"]:
            field = "%s (%s)" % (ROLE_VARIABLES["pkcs12_path"], args["pkcs12_path"])
            data = read_controller_file(args["pkcs12_path"], "pkcs12_path")
            self.key, self.certificate, self.chain = existing_pki.load_pkcs12(data, args["pkcs12_password"], field)
        else:
            self.certificate, self.chain = self._certificates(args)
            self.key = self._key(args)
        if args["chain_pem"] and args["chain_pem"].strip():
            self.chain += pki.load_certificates(args["chain_pem"], field=ROLE_VARIABLES["chain_pem"])

    @staticmethod
    def _certificates(args):
        text, option = pem_or_file(
            args,
            "certificate",
            "no certificate to push: set rolesanywhere_push_certificate_pem or "
            "_path (with the key), or rolesanywhere_push_pkcs12_path",
        )
        certs = pki.load_certificates(text, field=ROLE_VARIABLES[option])
        return certs[0], certs[1:]

    @staticmethod
    def _key(args):
        text, option = pem_or_file(
            args,
            "private_key",
            "no private key to push with the certificate: set "
            "rolesanywhere_push_private_key_pem or rolesanywhere_push_private_key_path",
        )
        return existing_pki.load_private_key_pem(text, ROLE_VARIABLES[option])


def pem_or_file(args, what, missing):
    """The PEM text given in ``<what>_pem``, else the bytes of the controller file ``<what>_path``; with the option used.

    The option comes back so that a parse error names the role variable the text came from.
    """
    pem_option, path_option = what + "_pem", what + "_path"
    if args[pem_option]:
        return args[pem_option], pem_option
    if not args[path_option]:
        raise pki.CertificateRuleError(missing, field=pem_option)
    return read_controller_file(args[path_option], path_option), path_option


def checked_pair(args):
    """The pair and what the host gets, once every rule held; CertificateRuleError otherwise."""
    pair = PushedPair(args)
    anchors = existing_pki.anchor_certificates(args["ca_bundle"], ROLE_VARIABLES["ca_bundle"])
    crls = existing_pki.load_crls(args["crl_pem"], ROLE_VARIABLES["crl_pem"])
    label = "the pushed certificate '%s'" % pair.certificate.subject.rfc4514_string()
    existing_pki.check_key_matches(pair.certificate, pair.key.public_key(), label)
    intermediates, anchor_pem = existing_pki.check_leaf(pair.certificate, pair.chain, anchors, crls, label)
    return pair, intermediates, anchor_pem


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        unused, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE)
        if existing_pki is None or not pki.HAS_CRYPTOGRAPHY:
            raise AnsibleActionFail(
                "certificate_push needs the Python cryptography library on the controller; pip install cryptography"
            )
        host = task_vars.get("inventory_hostname", "this host")
        try:
            pair, intermediates, anchor_pem = checked_pair(args)
        except pki.CertificateRuleError as exc:
            raise AnsibleActionFail("%s: %s; nothing was changed on any host" % (host, exc))
        summary = local_ca.certificate_summary(pair.certificate)
        if args["validate_only"]:
            result.update(
                changed=False,
                validated=True,
                certificate=summary,
                msg="%s: the pushed certificate and key are valid" % host,
            )
            return result
        module_args = {
            "certificate": local_ca.pem_of(pair.certificate),
            "private_key": existing_pki.private_key_pem(pair.key),
            "chain": intermediates,
            "ca_certificate": anchor_pem,
            "backend": args["backend"],
        }
        for option in ("cert_dir", "service_user", "group"):
            if args[option]:
                module_args[option] = args[option]
        installed = self._execute_module(
            module_name="hybridcloud.rolesanywhere.certificate_install", module_args=module_args, task_vars=task_vars
        )
        result.update(installed)
        result["certificate"] = summary
        return result
