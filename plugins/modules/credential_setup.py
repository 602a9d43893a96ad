#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the hybridcloud.rolesanywhere collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: credential_setup
short_description: The host side of the credential_helper role in one step
version_added: 1.0.0
description:
  - Inspects and converges what a host needs to obtain credentials through IAM Roles Anywhere, in one module call on
    an unchanged host, and reports what changed.
  - Resolves the home directory of every service user, looks for each profile's intermediates bundle, checks the
    installed credential-process program against its pinned SHA-256 (or the official C(aws_signing_helper) against the
    pinned SHA-256 for the host's CPU), and writes or removes the AWS config profile of every entry of O(profiles),
    as M(hybridcloud.rolesanywhere.aws_config_profile) does.
  - With O(state=present), every entry of O(profiles) must have a trust anchor, profile and role ARN of the right form,
    a session duration of 900 to 43200 seconds and http(s) endpoints; otherwise the host fails before anything is
    written, with one message per entry that names the role variables to set.
  - A V(serve) profile is pointed at a new port only when no other program listens there (the workload would ask that
    program for its credentials); otherwise the host fails before anything is written, with a message naming the
    port, the holder and the fix, as M(hybridcloud.rolesanywhere.delivery_port_check) words it.
  - The action plugin of the same name sends the program's content only when the host reports that its copy is missing
    or differs (a second call); an unchanged host never receives it.
  - The official helper is not downloaded here; RV(official_helper) says whether the role must download it (C(needs_install)). A
    helper pushed from the controller is transferred by the action plugin only when the host's copy differs, and
    installed by a second call after its checksum was checked on the controller and again on the host.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  state:
    description:
      - V(present) installs the program and writes the profiles; V(absent) removes the profiles (the program stays).
    type: str
    choices: [present, absent]
    default: present
  signing_helper:
    description: Which program the profiles run, the collection's V(python) program or the V(official) helper.
    type: str
    choices: [python, official]
    default: official
  helper_path:
    description: Where the program is (or is installed) on the host.
    type: path
    required: true
  program:
    description:
      - The collection's program (O(signing_helper=python)).
    type: dict
    suboptions:
      interpreter:
        description: The interpreter written into the program's first line.
        type: path
        required: true
      sha256:
        description: Pinned SHA-256 (hex) of the program after its interpreter line.
        type: str
        required: true
      content:
        description:
          - The whole program, interpreter line included. The action plugin fills it in when the host needs it.
        type: str
  official_checksums:
    description:
      - CPU (as C(uname -m) reports it; V(arm64) counts as V(aarch64)) to the pinned C(sha256:HEX) of the official
        helper for O(signing_helper=official).
    type: dict
    default: {}
  official_upload:
    description:
      - A copy of the official helper already transferred to the host (by the action plugin, from the role's
        C(rolesanywhere_signing_helper_src)); installed when its checksum is the pinned one for the host's CPU.
    type: path
  cache_max_age:
    description: C(--cache-max-age) of the collection's program (not written for the official helper).
    type: int
  refresh_window:
    description:
      - C(--refresh-window) of the collection's program in the V(serve) and V(update) services (not written for the
        official helper, which has no such flag).
    type: int
  refresh_min_lead:
    description: C(--refresh-min-lead) of the collection's program in the V(serve) and V(update) services.
    type: int
  extra_args:
    description: Further helper flags appended to every credential_process line and service command.
    type: list
    elements: str
    default: []
  port_range:
    description: The range the port of a V(serve) profile is derived from, when the entry names none.
    type: list
    elements: int
    default: [49400, 49999]
  unit_dir:
    description:
      - Where the serve and update delivery services' unit files are; RV(delivery) lists the existing ones whose name
        starts with O(unit_prefix).
    type: path
    default: /etc/systemd/system
  unit_prefix:
    description: Name prefix of the delivery services' unit files.
    type: str
    default: rolesanywhere-credentials-
  profiles:
    description:
      - One entry per AWS profile, with the keys of the role's C(rolesanywhere_profiles) entries after defaults.
    type: list
    elements: dict
    required: true
  enrollment:
    description:
      - The host's enrolment step, run in the same call with the options of
        M(hybridcloud.rolesanywhere.certificate_request) (checked against that module's argument spec, each error
        naming C(enrollment.<option>)). It ensures the private key and returns a CSR and the state of the installed
        certificate as RV(enrollment).
      - It runs after every input is checked and after the program check, so a first call that asks for the program
        changes nothing, not even the key.
      - Profiles whose C(certificate_path), C(private_key_path) or C(intermediates_path) is empty use the step's files.
      - The C(onboard) playbook passes it, so an unchanged host answers for its key, certificate, signing helper and
        AWS profiles in one round trip.
    type: dict
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes
notes:
  - With O(enrollment), the profiles may be written before the host's first certificate is installed; they name the
    certificate's path, and the intermediates bundle only when it holds certificates at the time (the C(onboard)
    playbook writes the profiles again when a new certificate brings a bundle the step did not see, or removes one).
  - Used by the C(hybridcloud.rolesanywhere.credential_helper) role; its messages name the role's variables.
seealso:
  - module: hybridcloud.rolesanywhere.aws_config_profile
  - module: hybridcloud.rolesanywhere.certificate_request
"""

EXAMPLES = r"""
- name: Converge the host's credential helper and AWS profiles
  hybridcloud.rolesanywhere.credential_setup:
    signing_helper: python
    helper_path: /usr/local/bin/rolesanywhere-credential-process
    program:
      interpreter: /usr/bin/python3
      sha256: "{{ pinned_sha256 }}"
      content: "{{ program_text }}"
    profiles:
      - aws_profile: redshift
        service_user: batch
        trust_anchor_arn: "{{ trust_anchor_arn }}"
        profile_arn: "{{ profile_arn }}"
        role_arn: "{{ role_arn }}"
"""

RETURN = r"""
profiles:
  description: Per entry of O(profiles), in order, what the host resolved and whether its AWS profile changed.
  returned: always
  type: list
  elements: dict
  sample: [{"aws_profile": "redshift", "user": "batch", "home": "/home/batch", "files_dir": "/home/batch/.aws/rolesanywhere",
            "certificate": "/home/batch/.aws/rolesanywhere/certificate.pem", "port": 49533, "changed": false,
            "stat": {"exists": true, "size": 1234}, "intermediates_used": true,
            "service": {"argv": ["/usr/local/bin/aws_signing_helper", "serve", "--certificate", "..."],
                        "command": "/usr/local/bin/aws_signing_helper serve --certificate ...",
                        "exec_start": "/usr/local/bin/aws_signing_helper serve --certificate ..."}}]
  contains:
    intermediates_used:
      description: Whether the profile passes its intermediates bundle to the helper (the bundle holds certificates).
      returned: always
      type: bool
    unit:
      description:
        - The file name of the entry's V(serve) or V(update) unit, O(unit_prefix) followed by the user and the AWS
          profile.
      returned: always
      type: str
    service:
      description:
        - The command the entry's V(serve) or V(update) service runs, rendered by C(module_utils/credential_command.py)
          for O(signing_helper); V(null) for V(process) entries and with O(state=absent).
        - C(argv) is the list of words, C(command) the same shell-quoted, C(exec_start) the value of the unit's
          C(ExecStart=), quoted for systemd (double quotes, C(%%) and C($$) escaped).
      returned: always
      type: dict
enrollment:
  description:
    - The result of the host's enrolment step, as M(hybridcloud.rolesanywhere.certificate_request) returns it (CSR,
      installed certificate, key report, paths), including its own C(changed).
  returned: when O(enrollment) is given, O(state=present) and the step ran (not when RV(program_needed))
  type: dict
  sample: {"changed": false, "needs_certificate": false, "reasons": [], "csr": "-----BEGIN CERTIFICATE REQUEST-----...",
           "certificate_path": "/home/batch/.aws/rolesanywhere/certificate.pem"}
program:
  description: The collection's program on the host.
  returned: when O(signing_helper=python) and O(state=present)
  type: dict
  sample: {"path": "/usr/local/bin/rolesanywhere-credential-process", "status": "current", "changed": false}
program_needed:
  description: True when the host's program is missing or differs and O(program.content) was not given; nothing was changed.
  returned: always
  type: bool
official_helper:
  description: The official helper on the host, and whether the role must install it.
  returned: when O(signing_helper=official) and O(state=present)
  type: dict
  sample: {"cpu": "x86_64", "checksum": "sha256:4ec5...", "needs_install": false, "directory_exists": true}
delivery:
  description:
    - What the delivery tasks need to know about the host, so that they can skip what has nothing to do.
    - C(systemd_running) is whether C(/run/systemd/system) is a directory; C(unit_files) the delivery units in O(unit_dir).
  returned: always
  type: dict
  sample: {"systemd_running": true, "unit_files": ["rolesanywhere-credentials-batch-redshift.service"]}
ansible_facts:
  description: The host facts the role reads (CPU and login user), so that it needs no fact gathering.
  returned: always
  type: dict
  sample: {"architecture": "x86_64", "user_id": "deploy", "user_dir": "/home/deploy"}
"""

import hashlib
import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import (
    atomic_files,
    aws_config,
    credential_command,
    delivery_port,
    host_enrollment,
    host_keys,
    input_rules,
)

PROGRAM_MODE = 0o755
DEFAULT_ENDPOINT_SERVICES = ["sts", "redshift", "iam", "rolesanywhere"]
PROFILE_DEFAULTS = {
    "aws_profile": "rolesanywhere",
    "service_user": "",
    "aws_config_file": "",
    "region": "",
    "trust_anchor_arn": "",
    "profile_arn": "",
    "role_arn": "",
    "cert_dir": "",
    "certificate_path": "",
    "private_key_path": "",
    "intermediates_path": "",
    "session_duration": 3600,
    "role_session_name": "",
    "endpoint_url": "",
    "endpoint_services": DEFAULT_ENDPOINT_SERVICES,
    "endpoints": {},
    "settings": {},
    "credential_delivery": "process",
    "delivery_port": 0,
    "aws_credentials_file": "",
}
CPU_ALIASES = {"arm64": "aarch64"}


class SetupError(Exception):
    """Something the host lacks or refuses; the message names the setting and the fix."""


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def split_program(content):
    """(interpreter line, body) of a program's bytes."""
    first, newline, body = content.partition(b"\n")
    return first, body if newline else b""


def login_user():
    entry = pwd.getpwuid(os.geteuid())
    return entry.pw_name, entry.pw_dir


def home_of(user, profile_name):
    try:
        return pwd.getpwnam(user).pw_dir
    except KeyError:
        raise SetupError(
            "service user '%s' of AWS profile '%s' does not exist on this host: create the user first, or "
            "fix service_user (rolesanywhere_service_user or the rolesanywhere_profiles entry)" % (user, profile_name)
        )


def serve_port(entry, user, port_range):
    """The entry's port, or one derived from user and profile: the same on every run, spread over the range."""
    if int(entry["delivery_port"] or 0) > 0:
        return int(entry["delivery_port"])
    low, high = int(port_range[0]), int(port_range[1])
    digest = hashlib.sha1(("%s:%s" % (user, entry["aws_profile"])).encode("utf-8")).hexdigest()
    return low + int(digest[:8], 16) % (high - low + 1)


def chain_stat(path):
    try:
        info = os.stat(path)
    except OSError:
        return {"exists": False, "size": 0}
    return {"exists": True, "size": info.st_size}


def resolve_entry(entry, login, params, present):
    """Where an entry's files, user and service are on this host."""
    user = entry["service_user"] or login[0]
    home = login[1] if user == login[0] else home_of(user, entry["aws_profile"])
    files_dir = entry["cert_dir"] or host_keys.default_cert_dir(home)
    resolved = {
        "aws_profile": entry["aws_profile"],
        "user": user,
        "home": home,
        "files_dir": files_dir,
        "certificate": entry["certificate_path"] or os.path.join(files_dir, host_keys.CERT_FILE),
        "private_key": entry["private_key_path"] or os.path.join(files_dir, host_keys.KEY_FILE),
        "intermediates": entry["intermediates_path"] or os.path.join(files_dir, host_keys.CHAIN_FILE),
        "credentials_file": entry["aws_credentials_file"] or home + "/.aws/credentials",
        "port": serve_port(entry, user, params["port_range"]),
        "unit": delivery_port.unit_name(user, entry["aws_profile"], params["unit_prefix"]),
    }
    resolved["stat"] = chain_stat(resolved["intermediates"]) if present else {"exists": False, "size": 0}
    # Whether the profile names the bundle: only one with something in it (certificate_install removes an empty one).
    resolved["intermediates_used"] = resolved["stat"]["exists"] and resolved["stat"]["size"] > 0
    return resolved


def helper_endpoint(entry):
    return (entry["endpoints"] or {}).get("rolesanywhere") or entry["endpoint_url"] or None


def command_fields(params, entry, resolved):
    """The credential_command fields of an entry, for its credential_process line and its service alike."""
    return {
        "helper": params["helper_path"],
        "certificate": resolved["certificate"],
        "private_key": resolved["private_key"],
        "intermediates": resolved["intermediates"] if resolved["intermediates_used"] else None,
        "trust_anchor_arn": entry["trust_anchor_arn"],
        "profile_arn": entry["profile_arn"],
        "role_arn": entry["role_arn"],
        "session_duration": int(entry["session_duration"]),
        "role_session_name": entry["role_session_name"],
        "endpoint": helper_endpoint(entry),
        "cache_max_age": params["cache_max_age"] if params["signing_helper"] == "python" else None,
        "extra_args": params["extra_args"],
        "port": resolved["port"],
        "profile": entry["aws_profile"],
        "credentials_file": resolved["credentials_file"],
        "refresh_window": params["refresh_window"],
        "refresh_min_lead": params["refresh_min_lead"],
    }


def credential_process_line(params, entry, resolved):
    try:
        return credential_command.render(command_fields(params, entry, resolved))
    except credential_command.CommandError as exc:
        raise SetupError("AWS profile '%s': %s" % (entry["aws_profile"], exc))


def service_command(params, entry, resolved):
    """What the entry's serve or update unit runs: argv, the same shell-quoted, and the unit's ExecStart value."""
    mode = entry["credential_delivery"]
    if params["state"] != "present" or mode not in credential_command.SERVICE_FIELDS:
        return None
    try:
        words = credential_command.service_argv(command_fields(params, entry, resolved), mode, params["signing_helper"])
        return {
            "argv": words,
            "command": credential_command.shell_line(words),
            "exec_start": credential_command.exec_start(words),
        }
    except credential_command.CommandError as exc:
        raise SetupError("AWS profile '%s' (credential_delivery %s): %s" % (entry["aws_profile"], mode, exc))


def delivery_settings(entry, resolved):
    """What the profile says besides the user's settings: where the workload's credentials come from."""
    delivery = entry["credential_delivery"]
    if delivery == "serve":
        return {"credential_process": None, "ec2_metadata_service_endpoint": "http://127.0.0.1:%d" % resolved["port"]}
    if delivery == "process":
        return {"ec2_metadata_service_endpoint": None}
    return {"credential_process": None, "ec2_metadata_service_endpoint": None}


def desired_profile_settings(params, entry, resolved):
    if params["state"] != "present":
        return aws_config.profile_settings(extra=entry["settings"])
    region = entry["region"] or entry["trust_anchor_arn"].split(":")[3]
    line = credential_process_line(params, entry, resolved) if entry["credential_delivery"] == "process" else None
    extra = dict(entry["settings"] or {})
    extra.update(delivery_settings(entry, resolved))
    return aws_config.profile_settings(region, line, extra)


def config_path(entry):
    return entry["aws_config_file"] or aws_config.default_config_path(entry["service_user"] or None)


def named_endpoint(entry):
    """The metadata endpoint the entry's AWS profile names today (None without one, or without a readable file)."""
    try:
        # The service user's file: read as the profile write reads it, never through an untrusted link nor from a FIFO.
        raw = atomic_files.read_bytes(config_path(entry))
        text = raw.decode("utf-8", "surrogateescape") if raw is not None else ""
        settings = aws_config.read_profile(text, entry["aws_profile"])
    except (atomic_files.FileWriteError, aws_config.ConfigError):
        return None  # write_profile names what is wrong with the file
    return (settings or {}).get("ec2_metadata_service_endpoint")


def refuse_a_port_another_program_holds(params, entry, resolved):
    """A serve profile is pointed at a port only when no other program listens there.

    The workload would otherwise ask that program for its credentials. A profile that already names the port is left
    to the role's delivery_port_check, which runs before the unit is installed or restarted and also knows systemd's
    main PID of the unit. Here the unit's own process is one of its user running the new command or the installed
    unit's.
    """
    if entry["credential_delivery"] != "serve":
        return
    endpoint = delivery_settings(entry, resolved)["ec2_metadata_service_endpoint"]
    if named_endpoint(entry) == endpoint:
        return
    installed = delivery_port.unit_exec_start(os.path.join(params["unit_dir"], resolved["unit"]))
    state = delivery_port.port_state(resolved["port"], resolved["user"], [resolved["service"]["command"], installed])
    if state["state"] == "taken":
        raise SetupError(
            "AWS profile '%s' is not pointed at %s: %s"
            % (
                entry["aws_profile"],
                endpoint,
                delivery_port.taken_message({"unit": resolved["unit"], "user": resolved["user"]}, state),
            )
        )


def write_profile(params, entry, resolved, check_mode):
    """The entry's AWS config profile through aws_config, as aws_config_profile writes it: (changed, diff)."""
    owner = entry["service_user"] or None
    try:
        path = config_path(entry)
        changed, before, after = aws_config.ensure_profile_file(
            path,
            entry["aws_profile"],
            state=params["state"],
            settings=desired_profile_settings(params, entry, resolved),
            endpoint_url=entry["endpoint_url"] or None,
            services=entry["endpoint_services"],
            owner=owner,
            check_mode=check_mode,
            endpoints=entry["endpoints"] or {},
        )
    except aws_config.ConfigError as exc:
        raise SetupError("AWS profile '%s': %s" % (entry["aws_profile"], exc))
    resolved["config_path"] = path
    return changed, dict(before=before, after=after, before_header=path, after_header=path)


def installed_program_state(path, program):
    """'current', 'missing' or 'different' for the program at path against the pinned interpreter line and digest."""
    try:
        installed = atomic_files.read_bytes(path)
        exists, mode, unused_uid, unused_gid = atomic_files.file_state(path)
    except atomic_files.FileWriteError as exc:
        raise SetupError(str(exc))
    if installed is None:
        return "missing", None
    first, body = split_program(installed)
    digest = sha256_hex(body)
    current = (
        first == ("#!" + program["interpreter"]).encode("utf-8")
        and digest == program["sha256"]
        and mode == PROGRAM_MODE
    )
    return ("current" if current else "different"), digest


def install_program(path, program, check_mode):
    content = program["content"].encode("utf-8")
    first, body = split_program(content)
    if sha256_hex(body) != program["sha256"] or first != ("#!" + program["interpreter"]).encode("utf-8"):
        raise SetupError(
            "the credential-process program sent to the host does not have the pinned SHA-256 %s (it has %s): "
            "rebuild it with `make credential-program` in the collection" % (program["sha256"], sha256_hex(body))
        )
    if check_mode:
        return
    try:
        atomic_files.ensure_directory(os.path.dirname(path), 0o755)
        atomic_files.write_atomically(path, content, PROGRAM_MODE)
    except atomic_files.FileWriteError as exc:
        raise SetupError(str(exc))


def host_cpu():
    machine = os.uname()[4]
    return CPU_ALIASES.get(machine, machine)


def official_helper_state(params, cpu):
    checksums = params["official_checksums"]
    checksum = checksums.get(cpu) or checksums.get(os.uname()[4]) or checksums.get("*")
    if not checksum:
        raise SetupError(
            "No checksum for aws_signing_helper on %s: the collection knows the published SHA-256 for %s. Set "
            "rolesanywhere_signing_helper_checksum (sha256:<hex>) to the checksum of the binary you install (with "
            "rolesanywhere_signing_helper_url or rolesanywhere_signing_helper_src for a CPU AWS does not publish), or use "
            "rolesanywhere_signing_helper=python." % (cpu, ", ".join(sorted(checksums)) or "no CPU")
        )
    algorithm, unused, expected = checksum.partition(":")
    try:
        installed = atomic_files.read_bytes(params["helper_path"])
    except atomic_files.FileWriteError as exc:
        raise SetupError(str(exc))
    digest = None if installed is None else hashlib.new(algorithm, installed).hexdigest()
    return {
        "cpu": cpu,
        "checksum": checksum,
        "path": params["helper_path"],
        "installed": digest is not None,
        "digest": digest,
        "needs_install": digest is None or digest != expected.lower(),
        "directory_exists": os.path.isdir(os.path.dirname(params["helper_path"])),
    }


def install_official_upload(params, state, check_mode):
    """Install the transferred helper when it has the pinned checksum; the installed one stays otherwise."""
    algorithm, unused, expected = state["checksum"].partition(":")
    with open(params["official_upload"], "rb") as handle:
        content = handle.read()
    digest = hashlib.new(algorithm, content).hexdigest()
    if digest != expected.lower():
        raise SetupError(
            "the aws_signing_helper sent to the host has checksum %s:%s, expected %s. Nothing was installed; "
            "fix the file or rolesanywhere_signing_helper_checksum." % (algorithm, digest, state["checksum"])
        )
    if not check_mode:
        try:
            atomic_files.ensure_directory(os.path.dirname(params["helper_path"]), 0o755)
            atomic_files.write_atomically(params["helper_path"], content, PROGRAM_MODE)
        except atomic_files.FileWriteError as exc:
            raise SetupError(str(exc))
    state.update(needs_install=False, installed=True, directory_exists=True)


def official_step(params, cpu, check_mode, result, diffs):
    state = official_helper_state(params, cpu)
    result["official_helper"] = state
    if not state["needs_install"]:
        return
    before = "checksum of aws_signing_helper: %s\n" % (state["digest"] or "(missing)")
    if params["official_upload"]:
        install_official_upload(params, state, check_mode)
    result["changed"] = True
    diffs.append(
        dict(
            before_header=params["helper_path"],
            after_header=params["helper_path"],
            before=before,
            after="checksum of aws_signing_helper: %s\n" % state["checksum"],
        )
    )


def program_step(params, check_mode, result, diffs):
    """The program: current, installed now, or asked for (program_needed) before anything else changes."""
    program = params["program"]
    if not program:
        raise SetupError("signing_helper=python needs program (interpreter and sha256)")
    status, digest = installed_program_state(params["helper_path"], program)
    result["program"] = {"path": params["helper_path"], "status": status, "changed": status != "current"}
    if status == "current":
        return True
    if program.get("content") is None and not check_mode:
        result["program_needed"] = True
        return False
    if program.get("content") is not None:
        install_program(params["helper_path"], program, check_mode)
    diffs.append(
        dict(
            before_header=params["helper_path"],
            after_header=params["helper_path"],
            before="sha256 of the program: %s\n" % (digest or "(missing)"),
            after="sha256 of the program: %s\n" % program["sha256"],
        )
    )
    return True


def delivery_state(params):
    try:
        names = os.listdir(params["unit_dir"])
    except OSError:
        names = []
    units = sorted(name for name in names if name.startswith(params["unit_prefix"]) and name.endswith(".service"))
    return {"systemd_running": os.path.isdir("/run/systemd/system"), "unit_files": units}


def validated_enrollment(raw):
    """The enrollment option as certificate_request's argument spec validates it (defaults, types, choices)."""
    outcome = ArgumentSpecValidator(host_enrollment.ARGUMENT_SPEC).validate(raw)
    if outcome.error_messages:
        raise SetupError(
            "enrollment: %s; pass the options of hybridcloud.rolesanywhere.certificate_request"
            % "; ".join(outcome.error_messages)
        )
    return outcome.validated_parameters


def with_enrollment_files(entries, enrollment):
    """Entries without their own certificate, key or bundle path use the enrolment step's files."""
    files = host_enrollment.file_paths(enrollment)
    defaults = {"certificate_path": files.certificate, "private_key_path": files.key, "intermediates_path": files.chain}
    return [dict(entry, **dict((key, entry[key] or path) for key, path in defaults.items())) for entry in entries]


def enrollment_step(enrollment, check_mode, want_diff, result, diffs):
    """The host's enrolment step (certificate_request's), its result under RV(enrollment)."""
    answer = host_enrollment.request(enrollment, check_mode=check_mode, diff=want_diff)
    # Its diff joins the module's list of diffs rather than staying in the result a second time.
    step_diff = answer.pop("diff", None)
    result["enrollment"] = answer
    result["changed"] = result["changed"] or answer["changed"]
    if step_diff:
        header = "private key and certificate in %s" % answer["cert_dir"]
        diffs.append(dict(step_diff, before_header=header, after_header=header))


def run(module):
    params = module.params
    present = params["state"] == "present"
    enrollment = validated_enrollment(params["enrollment"]) if present and params["enrollment"] else None
    login = login_user()
    cpu = host_cpu()
    result = {
        "changed": False,
        "program_needed": False,
        "ansible_facts": {"architecture": os.uname()[4], "user_id": login[0], "user_dir": login[1]},
    }
    result["delivery"] = delivery_state(params)
    diffs = []
    entries = [
        dict(PROFILE_DEFAULTS, **dict((k, v) for k, v in entry.items() if v is not None))
        for entry in params["profiles"]
    ]
    if enrollment:
        # The subject and names too, before anything changes.
        host_enrollment.refuse_bad_input(enrollment)
        entries = with_enrollment_files(entries, enrollment)
    # Every ARN, name, path and service command first: a missing ARN, service user or an unusable path fails the host
    # before any file changes.
    problems = [input_rules.written_profile_problem(entry) for entry in entries] if present else []
    problems = [problem for problem in problems if problem]
    if problems:
        raise SetupError(" | ".join(problems))
    resolved = [resolve_entry(entry, login, params, present) for entry in entries]
    for entry, where in zip(entries, resolved):
        where["service"] = service_command(params, entry, where)
        if present:
            refuse_a_port_another_program_holds(params, entry, where)
    # The program is asked for before the key or anything else changes, so the first call of a host that needs it
    # changes nothing and the second does the whole step.
    if present and params["signing_helper"] == "python":
        if not program_step(params, module.check_mode, result, diffs):
            result["profiles"] = resolved
            return result
        result["changed"] = result["changed"] or result["program"]["changed"]
    if enrollment:
        enrollment_step(enrollment, module.check_mode, module._diff, result, diffs)
    if present and params["signing_helper"] == "official":
        official_step(params, cpu, module.check_mode, result, diffs)
    for entry, where in zip(entries, resolved):
        changed, diff = write_profile(params, entry, where, module.check_mode)
        where["changed"] = changed
        if changed:
            result["changed"] = True
            diffs.append(diff)
    result["profiles"] = resolved
    if module._diff:
        result["diff"] = diffs
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            signing_helper=dict(type="str", choices=["python", "official"], default="official"),
            helper_path=dict(type="path", required=True),
            program=dict(
                type="dict",
                options=dict(
                    interpreter=dict(type="path", required=True),
                    sha256=dict(type="str", required=True),
                    content=dict(type="str"),
                ),
            ),
            official_checksums=dict(type="dict", default={}),
            official_upload=dict(type="path"),
            cache_max_age=dict(type="int"),
            refresh_window=dict(type="int"),
            refresh_min_lead=dict(type="int"),
            extra_args=dict(type="list", elements="str", default=[]),
            port_range=dict(type="list", elements="int", default=[49400, 49999]),
            unit_dir=dict(type="path", default="/etc/systemd/system"),
            unit_prefix=dict(type="str", default=delivery_port.UNIT_PREFIX),
            profiles=dict(type="list", elements="dict", required=True),
            # Checked against certificate_request's spec in validated_enrollment(), documented there once.
            enrollment=dict(type="dict"),
        ),
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except SetupError as exc:
        module.fail_json(msg=str(exc))
    except host_enrollment.ERRORS as exc:
        module.fail_json(msg="enrollment: %s" % exc)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
