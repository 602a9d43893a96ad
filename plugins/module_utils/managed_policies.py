# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the default version document of IAM managed policies (what a profile applies as session policy)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from urllib.parse import unquote

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class ManagedPolicyError(AnsibleAWSError):
    pass


class ManagedPolicyErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = ManagedPolicyError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NoSuchEntity")


def policy_name(arn):
    return arn.rsplit("/", 1)[-1]


def _as_document(document):
    # boto3 decodes IAM's URL-encoded JSON into a dict; other clients hand over the encoded string.
    if isinstance(document, dict):
        return document
    return json.loads(unquote(document))


@ManagedPolicyErrorHandler.list_error_handler("read the managed policy")
def default_policy_document(iam, arn):
    """The document of the policy's default version; None when the policy does not exist."""
    policy = iam.get_policy(aws_retry=True, PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(aws_retry=True, PolicyArn=arn, VersionId=policy["DefaultVersionId"])[
        "PolicyVersion"
    ]
    return _as_document(version["Document"])


def managed_policy_documents(iam, arns):
    """[(name, document)] for each ARN; raises ManagedPolicyError naming a policy that does not exist."""
    documents = []
    for arn in arns:
        document = default_policy_document(iam, arn)
        if document is None:
            raise ManagedPolicyError(
                message=f"managed_policy_arns: the managed policy {arn} does not exist; fix the ARN"
            )
        documents.append((policy_name(arn), document))
    return documents
