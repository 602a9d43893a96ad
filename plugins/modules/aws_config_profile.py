#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: aws_config_profile
short_description: Manage one profile in an AWS CLI/SDK config file
version_added: 1.0.0
description:
  - Adds, updates or removes one C([profile NAME]) section (C([default]) for the profile V(default)) of an AWS config
    file such as C(~/.aws/config), typically with a C(credential_process) that obtains credentials through IAM Roles
    Anywhere.
  - Only the profile's own lines change. Other profiles, comments, blank lines, their order and the file's line
    endings stay byte-for-byte; keys of the profile that are not managed here are kept.
  - With O(endpoint_url) and/or O(endpoints), the profile also gets C(services = NAME) and a C([services NAME]) section
    that sends each service to its URL (for example a local AWS stand-in, or one VPC endpoint per service).
  - The file is replaced atomically and has its owner and mode before any content is written.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  profile:
    description:
      - Name of the profile, as given to C(aws --profile).
    type: str
    required: true
  state:
    description:
      - V(present) writes the profile; V(absent) removes its section and the services section it owns.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - The config file. Defaults to C(.aws/config) in the home directory of O(owner), or of the user the module runs as.
      - Missing parent directories are created with mode 0700 and owned by O(owner).
    type: path
  owner:
    description:
      - User who owns the file (default, the user the module runs as). The file is made private to this user.
    type: str
  group:
    description:
      - Group of the file (default, the primary group of O(owner)).
    type: str
  mode:
    description:
      - Mode of the file, as an octal string such as V('0600').
    type: raw
    default: '0600'
  region:
    description:
      - The profile's C(region).
    type: str
  credential_process:
    description:
      - Command line that prints credentials, for example C(/usr/local/bin/aws_signing_helper credential-process ...).
      - Must be a single line; the AWS CLI does not read continuation lines of C(credential_process).
      - For a command of your own; O(credential_helper) writes the IAM Roles Anywhere line from its parts instead.
        Mutually exclusive with O(credential_helper).
    type: str
  credential_helper:
    description:
      - The parts of an IAM Roles Anywhere C(credential_process) line (the official C(aws_signing_helper) or the
        collection's C(rolesanywhere-credential-process)); the module writes the line, quoting each part.
      - Mutually exclusive with O(credential_process).
    type: dict
    version_added: 1.0.0
    suboptions:
      path:
        description: Path of the helper program on the host.
        type: path
        required: true
      certificate:
        description: Path of the host's certificate.
        type: path
        required: true
      private_key:
        description: Path of the certificate's private key.
        type: path
        required: true
      intermediates:
        description: Path of the bundle of intermediate CA certificates, when the chain has any.
        type: path
      trust_anchor_arn:
        description: ARN of the trust anchor.
        type: str
        required: true
      profile_arn:
        description: ARN of the Roles Anywhere profile.
        type: str
        required: true
      role_arn:
        description: ARN of the IAM role.
        type: str
        required: true
      session_duration:
        description: Lifetime of the session credentials, in seconds (900 to 43200).
        type: int
        default: 3600
      role_session_name:
        description: Role session name (the profile must accept role session names).
        type: str
      endpoint:
        description: Base URL of the Roles Anywhere endpoint (a VPC endpoint or a stand-in).
        type: str
      cache_max_age:
        description:
          - Seconds the collection's program reuses cached credentials (C(--cache-max-age)); leave unset for the
            official helper, which has no cache.
        type: int
      extra_args:
        description: Further flags of the helper, one item per flag, such as V(--debug) or V(--region=eu-west-1).
        type: list
        elements: str
        default: []
  settings:
    description:
      - Further keys of the profile, such as C(output) or C(cli_pager). A value of V(null) removes the key.
    type: dict
    default: {}
  endpoint_url:
    description:
      - Base URL that the services in O(endpoint_services) use with this profile. Without it, a services section of
        name O(services_name) and the profile's link to it are removed.
    type: str
  endpoint_services:
    description:
      - AWS CLI service names that O(endpoint_url) applies to.
    type: list
    elements: str
    default: [sts, redshift, iam, rolesanywhere]
  endpoints:
    description:
      - Per-service endpoint URLs, AWS CLI service name (as in the C(services) section, for example V(sts),
        V(redshift), V(rolesanywhere)) to base URL. An entry wins over O(endpoint_url) for its service.
      - Without O(endpoint_url) and O(endpoints), a services section of name O(services_name) and the profile's link to
        it are removed.
      - The AWS CLI reads a C(services) section from awscli 1.29.0 (v1) and 2.13.0 (v2); older versions ignore it and
        call the public endpoints.
    type: dict
    default: {}
  services_name:
    description:
      - Name of the C([services NAME]) section. Defaults to C(PROFILE-endpoints).
    type: str
  file_kind:
    description:
      - V(config) edits an AWS config file (sections C([profile NAME])).
      - V(credentials) removes the section C([NAME]) from an AWS credentials file, for example the profile an
        C(update) delivery service kept there; it needs O(state=absent) and O(path).
    type: str
    choices: [config, credentials]
    default: config
    version_added: 1.0.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes
notes:
  - The file is edited line by line rather than through an INI parser, so comments survive. A file with two sections
    of the same name is refused, as the AWS CLI would refuse it.
seealso:
  - name: AWS CLI configuration and credential file settings
    description: The settings a profile can hold.
    link: https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
  - name: Sourcing credentials with an external process
    description: How the CLI and SDKs run C(credential_process).
    link: https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html
"""

EXAMPLES = r"""
- name: Give the batch user a profile that obtains Redshift credentials through IAM Roles Anywhere
  hybridcloud.rolesanywhere.aws_config_profile:
    profile: redshift
    owner: batch
    region: eu-west-1
    credential_process: >-
      /usr/local/bin/aws_signing_helper credential-process
      --certificate /etc/rolesanywhere/cert.pem --private-key /etc/rolesanywhere/key.pem
      --trust-anchor-arn {{ trust_anchor_arn }} --profile-arn {{ profile_arn }} --role-arn {{ role_arn }}

- name: The same, with the module writing (and quoting) the command line from its parts
  hybridcloud.rolesanywhere.aws_config_profile:
    profile: redshift
    owner: batch
    region: eu-west-1
    credential_helper:
      path: /usr/local/bin/aws_signing_helper
      certificate: /etc/rolesanywhere/cert.pem
      private_key: /etc/rolesanywhere/key.pem
      trust_anchor_arn: "{{ trust_anchor_arn }}"
      profile_arn: "{{ profile_arn }}"
      role_arn: "{{ role_arn }}"

- name: Send the profile's calls to a local AWS stand-in
  hybridcloud.rolesanywhere.aws_config_profile:
    profile: demo
    path: /srv/demo/host1/aws-config
    region: us-east-1
    credential_process: /srv/demo/bin/rolesanywhere-credential-process credential-process --certificate ...
    endpoint_url: http://127.0.0.1:4566

- name: Reach each service through its own VPC interface endpoint
  hybridcloud.rolesanywhere.aws_config_profile:
    profile: redshift
    owner: batch
    region: eu-west-1
    credential_process: /usr/local/bin/aws_signing_helper credential-process ...
    endpoints:
      sts: https://vpce-0a1b2c3d-sts.sts.eu-west-1.vpce.amazonaws.com
      redshift: https://vpce-0a1b2c3d-rs.redshift.eu-west-1.vpce.amazonaws.com

- name: Remove the profile
  hybridcloud.rolesanywhere.aws_config_profile:
    profile: redshift
    owner: batch
    state: absent
"""

RETURN = r"""
path:
  description: The config file that was examined.
  returned: always
  type: str
  sample: /home/batch/.aws/config
profile:
  description: The profile name.
  returned: always
  type: str
  sample: redshift
section:
  description: The name of the profile's section.
  returned: always
  type: str
  sample: profile redshift
services_section:
  description: The name of the services section the profile uses, when O(endpoint_url) or O(endpoints) is set.
  returned: when O(state=present) and O(endpoint_url) or O(endpoints) is set
  type: str
  sample: services redshift-endpoints
settings:
  description: The profile's top-level keys and values as written (empty after removal).
  returned: always
  type: dict
  sample: {"region": "eu-west-1", "credential_process": "/usr/local/bin/aws_signing_helper credential-process ..."}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import aws_config, credential_command

CREDENTIAL_HELPER_SPEC = dict(
    path=dict(type="path", required=True),
    certificate=dict(type="path", required=True),
    private_key=dict(type="path", required=True),
    intermediates=dict(type="path"),
    trust_anchor_arn=dict(type="str", required=True),
    profile_arn=dict(type="str", required=True),
    role_arn=dict(type="str", required=True),
    session_duration=dict(type="int", default=credential_command.DEFAULT_SESSION_DURATION),
    role_session_name=dict(type="str"),
    endpoint=dict(type="str"),
    cache_max_age=dict(type="int"),
    extra_args=dict(type="list", elements="str", default=[]),
)


def credential_process_line(params):
    """The credential_process as given, or rendered from credential_helper's parts."""
    helper = params["credential_helper"]
    if helper is None:
        return params["credential_process"]
    fields = dict(helper, helper=helper["path"])
    return credential_command.render(fields)


def desired_settings(params):
    return aws_config.profile_settings(params["region"], credential_process_line(params), params["settings"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            path=dict(type="path"),
            owner=dict(type="str"),
            group=dict(type="str"),
            mode=dict(type="raw", default="0600"),
            region=dict(type="str"),
            credential_process=dict(type="str"),
            credential_helper=dict(type="dict", options=CREDENTIAL_HELPER_SPEC),
            settings=dict(type="dict", default={}),
            endpoint_url=dict(type="str"),
            endpoint_services=dict(type="list", elements="str", default=["sts", "redshift", "iam", "rolesanywhere"]),
            services_name=dict(type="str"),
            endpoints=dict(type="dict", default={}),
            file_kind=dict(type="str", choices=["config", "credentials"], default="config"),
        ),
        mutually_exclusive=[("credential_process", "credential_helper")],
        supports_check_mode=True,
    )
    params = module.params
    profile = params["profile"]
    services_name = params["services_name"] or "%s-endpoints" % profile
    if params["file_kind"] == "credentials" and (params["state"] != "absent" or not params["path"]):
        module.fail_json(
            msg="file_kind=credentials removes a profile from an AWS credentials file: it needs state=absent "
            "and the path of the file (the update delivery service writes the credentials themselves)"
        )
    try:
        settings = desired_settings(params)
    except credential_command.CommandError as exc:
        module.fail_json(msg="credential_helper: %s" % exc, profile=profile)
    try:
        path = params["path"] or aws_config.default_config_path(params["owner"])
        changed, before, after = aws_config.ensure_profile_file(
            path,
            profile,
            state=params["state"],
            settings=settings,
            endpoint_url=params["endpoint_url"],
            services_name=services_name,
            services=params["endpoint_services"],
            owner=params["owner"],
            group=params["group"],
            mode=aws_config.parse_mode(params["mode"]),
            check_mode=module.check_mode,
            endpoints=params["endpoints"],
            file_kind=params["file_kind"],
        )
    except aws_config.ConfigError as exc:
        module.fail_json(msg=str(exc), profile=profile)

    result = dict(
        changed=changed,
        path=path,
        profile=profile,
        section=aws_config.profile_section_name(profile, params["file_kind"]),
        settings=aws_config.read_profile(after, profile, params["file_kind"]) or {},
    )
    if params["state"] == "present" and (params["endpoint_url"] is not None or params["endpoints"]):
        result["services_section"] = aws_config.services_section_name(services_name)
    if module._diff:
        result["diff"] = dict(before=before, after=after, before_header=path, after_header=path)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
