# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import textwrap

from ansible_collections.hybridcloud.rolesanywhere.plugins.doc_fragments.host_files import (
    ModuleDocFragment as HostFiles,
)

# The options of the host's enrolment step (module_utils/host_enrollment.py): certificate_request's own options, and
# credential_setup's enrollment option, which runs the same step in the same module call. One text for both.
_STEP_OPTIONS = r"""
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
    default: 30"""

_HOST_FILE_OPTIONS = HostFiles.DOCUMENTATION.split("options:\n", 1)[1]


def _nested(options):
    """The options as suboptions of enrollment, their references to each other (O(name)) included."""
    return textwrap.indent(re.sub(r"O\((\w+)", r"O(enrollment.\1", options), "    ")


class ModuleDocFragment(object):
    DOCUMENTATION = "\noptions:\n" + _STEP_OPTIONS.lstrip("\n")

    NESTED = r"""
options:
  enrollment:
    description:
      - The host's enrolment step, run first and in the same call, with the options and result (RV(enrollment)) of
        M(hybridcloud.rolesanywhere.certificate_request). It ensures the private key and returns a CSR and the state of
        the installed certificate.
      - Profiles whose C(certificate_path), C(private_key_path) or C(intermediates_path) is empty use the step's files.
      - The C(onboard) playbook passes it, so an unchanged host answers for its key, certificate, signing helper and
        AWS profiles in one round trip.
    type: dict
    suboptions:
""" + _nested(_STEP_OPTIONS.strip("\n") + "\n" + _HOST_FILE_OPTIONS)
