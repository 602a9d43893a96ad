# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side batch signing: no module travels to the hosts, the CA key never leaves the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import pki
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.atomic_files import FileWriteError
from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.local_ca import PemSource

try:
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import batch_signing, external_signer
except ImportError:  # cryptography missing; reported below with the fix
    batch_signing = None

ARGUMENT_SPEC = dict(
    request_var=dict(type="str", default="__rolesanywhere_request"),
    hosts=dict(type="list", elements="str"),
    ca_path=dict(type="path"),
    passphrase=dict(type="str", no_log=True),
    acm_pca_arn=dict(type="str"),
    # An external CA: a command fed the batch's CSRs as JSON (the contract in module_utils/external_signer.py).
    external_signer=dict(type="raw"),
    external_signer_ca_bundle=dict(type="str"),
    external_signer_timeout=dict(type="int", default=300),
    cert_validity_days=dict(type="int", default=365),
    force=dict(type="bool", default=False),
    region=dict(type="str", aliases=["aws_region"]),
    endpoint_url=dict(type="str", aliases=["aws_endpoint_url"]),
    profile=dict(type="str", aliases=["aws_profile"]),
    access_key=dict(type="str", aliases=["aws_access_key_id", "aws_access_key"], no_log=False),
    secret_key=dict(type="str", aliases=["aws_secret_access_key", "aws_secret_key"], no_log=True),
    session_token=dict(type="str", aliases=["aws_session_token"], no_log=True),
    waiter_delay=dict(type="int", default=1),
    # The CA as PEM text (an AWX credential): loaded in this process's memory, never written to disk.
    **PemSource.argument_spec(),
)


def acm_pca_client(args):
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise AnsibleActionFail(
            "acm_pca_arn needs boto3 and botocore on the controller; install them (pip install boto3)"
        )
    session = boto3.session.Session(
        profile_name=args["profile"],
        region_name=args["region"] or _region_of(args["acm_pca_arn"]),
        aws_access_key_id=args["access_key"],
        aws_secret_access_key=args["secret_key"],
        aws_session_token=args["session_token"],
    )
    # botocore's standard retry mode backs off with jitter on throttling and transient errors.
    return session.client(
        "acm-pca", endpoint_url=args["endpoint_url"], config=Config(retries={"mode": "standard", "max_attempts": 8})
    )


def _region_of(arn):
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        validation, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            mutually_exclusive=[("ca_path", "acm_pca_arn", "external_signer")],
            required_one_of=[("ca_path", "acm_pca_arn", "external_signer")],
            required_by={"external_signer": ("external_signer_ca_bundle",)},
        )
        if batch_signing is None or not pki.HAS_CRYPTOGRAPHY:
            raise AnsibleActionFail(
                "sign_certificates needs the Python cryptography library on the controller; pip install cryptography"
            )
        if args["cert_validity_days"] < 1:
            raise AnsibleActionFail("cert_validity_days must be at least 1, got %d" % args["cert_validity_days"])

        requests = self._collect_requests(args, task_vars)
        pem_source = batch_signing.local_ca.PemSource.from_params(args)
        if (
            self._task.check_mode
            and args["ca_path"]
            and pem_source is None
            and not batch_signing.local_ca.CaDirectory(args["ca_path"]).exists()
        ):
            # In check mode on a first run the CA is only predicted; every host with a request would get a certificate.
            result.update(
                changed=bool(requests),
                certificates={},
                failures={},
                up_to_date=[],
                would_sign=sorted(requests),
                issuer="local",
                issuer_certificate="",
                ca_certificate="",
                chain="",
                hosts=sorted(requests),
                msg="check mode: the CA does not exist yet; %d host(s) would get a certificate" % len(requests),
            )
            return result
        issuer = self._issuer(args, pem_source)
        try:
            outcome = batch_signing.sign_batch(
                issuer, requests, args["cert_validity_days"], force=args["force"], check_mode=self._task.check_mode
            )
        except Exception as exc:  # pylint: disable=broad-except
            # An AWS error is not one host's fault: fail the task with the service's message.
            raise AnsibleActionFail("signing through %s failed: %s" % (issuer.name, exc))
        result.update(outcome)
        result.update(
            # In check mode the hosts that would get a certificate are the change being predicted.
            changed=bool(outcome["certificates"]) or (self._task.check_mode and bool(outcome["would_sign"])),
            issuer=issuer.name,
            issuer_certificate=batch_signing.local_ca.pem_of(issuer.issuer_certificate),
            ca_certificate=batch_signing.local_ca.pem_of(issuer.ca_certificate),
            chain=getattr(issuer, "chain_pem", ""),
            hosts=sorted(requests),
            msg="signed %d, up to date %d, refused %d"
            % (len(outcome["certificates"]), len(outcome["up_to_date"]), len(outcome["failures"])),
        )
        del validation
        return result

    def _collect_requests(self, args, task_vars):
        hosts = args["hosts"] if args["hosts"] is not None else task_vars.get("ansible_play_batch") or []
        hostvars = task_vars.get("hostvars", {})
        requests = {}
        name, unused, key = args["request_var"].partition(".")
        for host in hosts:
            request = hostvars[host].get(name) if host in hostvars else None
            if key and isinstance(request, dict):
                request = request.get(key)
            # Hosts that failed, were skipped, or did not run the request task this run have nothing to sign.
            if (
                not isinstance(request, dict)
                or request.get("failed")
                or request.get("skipped")
                or "needs_certificate" not in request
            ):
                continue
            requests[host] = request
        return requests

    def _issuer(self, args, pem_source):
        try:
            if args["external_signer"]:
                return external_signer.ExternalIssuer(
                    args["external_signer"], args["external_signer_ca_bundle"], timeout=args["external_signer_timeout"]
                )
            if args["ca_path"]:
                return batch_signing.LocalIssuer(args["ca_path"], args["passphrase"], pem_source)
            return batch_signing.AcmPcaIssuer(
                acm_pca_client(args), args["acm_pca_arn"], waiter_delay=args["waiter_delay"]
            )
        except (pki.CertificateRuleError, FileWriteError) as exc:
            raise AnsibleActionFail(str(exc))
        except external_signer.SignerFailed as exc:
            raise AnsibleActionFail(str(exc))
        except AnsibleActionFail:
            raise
        except Exception as exc:  # pylint: disable=broad-except
            raise AnsibleActionFail("cannot use the ACM Private CA %s: %s" % (args["acm_pca_arn"], exc))
