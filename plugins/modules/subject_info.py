#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: subject_info
short_description: List the IAM Roles Anywhere subjects and the certificates each one used
version_added: 1.0.0
description:
  - IAM Roles Anywhere records a subject for every certificate subject that asked it for credentials, with each
    certificate (serial, issuer, PEM) that subject used. This module returns those records (ListSubjects, then
    GetSubject for each subject kept).
  - With O(common_names), only subjects whose subject name has one of these common names are described, which keeps
    the number of GetSubject calls (1 request per second per resource group) to the hosts concerned.
  - M(hybridcloud.rolesanywhere.revocation_list) uses the certificates to find a host's serials when the controller
    has no record of them (an execution environment that starts empty).
  - Read-only; safe in check mode.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  common_names:
    description: Describe only subjects with one of these common names (C(CN=...) in the subject name). All when omitted.
    type: list
    elements: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The certificates db07 used with IAM Roles Anywhere
  hybridcloud.rolesanywhere.subject_info:
    common_names: [db07]
  register: subjects
"""

RETURN = r"""
subjects:
  description: The subjects found, each with the certificates it used.
  returned: always
  type: list
  elements: dict
  contains:
    subject_id:
      description: Id of the subject.
      type: str
    x509_subject:
      description: The certificate subject name as the service prints it.
      type: str
    credentials:
      description: The certificates the subject used (C(serial_number), C(issuer), C(x509_certificate_data), C(seen_at), C(failed)).
      type: list
      elements: dict
  sample: [{"subject_id": "5d1c...", "x509_subject": "CN=db07", "credentials": [{"serial_number": "1234", "issuer": "CN=CA"}]}]
certificates:
  description: The PEM of every certificate in RV(subjects), in the shape the C(certificates) option of M(hybridcloud.rolesanywhere.revocation_list) takes.
  returned: always
  type: list
  elements: dict
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils.rolesanywhere import (
    RolesAnywhereError,
    RolesAnywhereErrorHandler,
    normalize_resource,
    retry_policy,
    rolesanywhere_client,
)


def subject_common_names(x509_subject):
    """The CN values of a subject name as the service prints it ('CN=db07,O=Example'); a loose reading, only a filter."""
    return set(
        part.strip()[3:]
        for part in re.split(r"(?<!\\)[,/+]", x509_subject or "")
        if part.strip().upper().startswith("CN=")
    )


@RolesAnywhereErrorHandler.common_error_handler("list the IAM Roles Anywhere subjects")
def list_subjects(client):
    # Paginators are not wrapped by the retrying client, so the whole walk is retried as one unit.
    @retry_policy()
    def walk():
        return client.get_paginator("list_subjects").paginate().build_full_result().get("subjects", [])

    return walk()


@RolesAnywhereErrorHandler.common_error_handler("get the IAM Roles Anywhere subject")
def get_subject(client, subject_id):
    return client.get_subject(aws_retry=True, subjectId=subject_id)["subject"]


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(common_names=dict(type="list", elements="str")), supports_check_mode=True
    )
    wanted = module.params["common_names"]
    client = rolesanywhere_client(module)
    try:
        summaries = list_subjects(client)
        if wanted is not None:
            summaries = [item for item in summaries if subject_common_names(item.get("x509Subject")) & set(wanted)]
        subjects = [get_subject(client, item["subjectId"]) for item in summaries]
    except RolesAnywhereError as error:
        module.fail_json_aws_error(error)
    described = [normalize_resource(subject) for subject in subjects]
    certificates = [
        {"certificate": credential["x509_certificate_data"]}
        for subject in described
        for credential in subject.get("credentials") or []
        if credential.get("x509_certificate_data")
    ]
    module.exit_json(changed=False, subjects=described, certificates=certificates)


if __name__ == "__main__":
    main()
