#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: fleet_report
short_description: Write the verify results of a fleet as JSON, CSV and a self-contained HTML page
version_added: 1.0.0
description:
  - Writes three files into the directory O(dest), one row per host in each - C(verify-report.json),
    C(verify-report.csv) and C(verify-report.html).
  - A row holds the host, its status (V(ok), V(failed) or V(not verified)), the cause code, what is wrong and the fix,
    the certificate's expiry and days left, the signing helper and when the host was last verified.
  - The HTML page carries its style and script inline, with no external assets; a click on a column heading sorts
    the table by it (again to reverse), and C(?sort=<column>&order=desc) in the address sorts on load.
  - Meant to run once on the controller (C(run_once) and C(delegate_to=localhost)); the verify role calls it when
    C(rolesanywhere_report_dir) is set.
  - Each file is written atomically (a temporary file with its mode set, then renamed) and only when its content
    changed; the directory is created (0750) when missing.
author:
  - hybridcloud.rolesanywhere maintainers (@hybridcloud)
options:
  dest:
    description:
      - Directory of the report files.
    type: path
    required: true
  hosts:
    description:
      - One entry per host.
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description: The host's inventory name.
        type: str
        required: true
      result:
        description: The host's C(rolesanywhere_verify_result); null or omitted when the host was not verified.
        type: dict
      verified_at:
        description: When the host was verified, UTC, ISO 8601.
        type: str
  all_hosts:
    description:
      - Every host the report covers. A host listed here without an entry in O(hosts) gets a row V(not verified)
        (unreachable, or it failed before verification).
    type: list
    elements: str
    default: []
  generated_at:
    description:
      - Time stamp of the report, shown on the page and in the JSON. Omitted - the current UTC time.
    type: str
  expiry_warning_days:
    description:
      - Certificates with fewer days left are highlighted on the page. V(0) turns that off.
    type: int
    default: 30
  mode:
    description:
      - Mode of the report files.
    type: str
    default: "0644"
attributes:
  check_mode:
    details: Reports which files would change and writes none.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - hybridcloud.rolesanywhere.attributes.no_diff
"""

EXAMPLES = r"""
- name: Write a report from results gathered in a variable
  hybridcloud.rolesanywhere.fleet_report:
    dest: "{{ playbook_dir }}/reports"
    hosts:
      - host: db01
        result: "{{ hostvars['db01'].rolesanywhere_verify_result }}"
        verified_at: "2026-12-02T10:00:00Z"
    all_hosts: [db01, db02]
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
json:
  description: Path of the JSON report.
  returned: always
  type: str
  sample: /var/lib/rolesanywhere/reports/verify-report.json
csv:
  description: Path of the CSV report.
  returned: always
  type: str
  sample: /var/lib/rolesanywhere/reports/verify-report.csv
html:
  description: Path of the HTML page.
  returned: always
  type: str
  sample: /var/lib/rolesanywhere/reports/verify-report.html
counts:
  description: Hosts per status.
  returned: always
  type: dict
  sample: {"ok": 48, "failed": 1, "not verified": 1}
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import atomic_files, fleet_report

ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    hosts=dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            host=dict(type="str", required=True),
            result=dict(type="dict"),
            verified_at=dict(type="str"),
        ),
    ),
    all_hosts=dict(type="list", elements="str", default=[]),
    generated_at=dict(type="str"),
    expiry_warning_days=dict(type="int", default=30),
    mode=dict(type="str", default="0644"),
)

FILES = (("json", "verify-report.json"), ("csv", "verify-report.csv"), ("html", "verify-report.html"))


def parse_mode(module):
    try:
        mode = int(module.params["mode"], 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o777:
        module.fail_json(msg="mode must be an octal file mode such as 0644, got {0!r}".format(module.params["mode"]))
    return mode


def write_reports(directory, files, mode, check_mode):
    """Write every (path, content) of ``files`` into ``directory`` through one atomic write each; True when any changed."""
    changed = False
    if not check_mode:
        changed = atomic_files.ensure_directory(directory, mode=0o750)
    for path, content in files:
        changed = atomic_files.ensure_file(path, content, mode, check_mode=check_mode) or changed
    return changed


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    mode = parse_mode(module)
    if module.params["expiry_warning_days"] < 0:
        module.fail_json(
            msg="expiry_warning_days must be 0 or more, got {0}".format(module.params["expiry_warning_days"])
        )
    generated_at = module.params["generated_at"] or datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    entries = list(module.params["hosts"])
    listed = set(entry["host"] for entry in entries)
    entries += [{"host": host} for host in module.params["all_hosts"] if host not in listed]
    rows = fleet_report.rows_of(entries)
    contents = {
        "json": fleet_report.render_json(rows, generated_at),
        "csv": fleet_report.render_csv(rows),
        "html": fleet_report.render_html(rows, generated_at, warning_days=module.params["expiry_warning_days"]),
    }
    directory = module.params["dest"]
    paths = dict((kind, os.path.join(directory, name)) for kind, name in FILES)
    try:
        changed = write_reports(
            directory, [(paths[kind], contents[kind]) for kind, _name in FILES], mode, module.check_mode
        )
    except atomic_files.FileWriteError as error:
        module.fail_json(
            msg="cannot write the fleet report into {0} (rolesanywhere_report_dir): {1}".format(directory, error)
        )
    module.exit_json(changed=changed, counts=fleet_report.counts(rows), **paths)


if __name__ == "__main__":
    main()
