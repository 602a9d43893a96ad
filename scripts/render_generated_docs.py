"""Write the documentation pages that are generated from the code, each from its single source of truth:

- docs/variables.md from the roles' meta/argument_specs.yml;
- docs/troubleshooting.md from the diagnosis catalogue (plugins/module_utils/diagnosis.py) that verify reports from.

Usage: python scripts/render_generated_docs.py [--check]
With --check it writes nothing and exits 1 when a page is out of date.
"""

import importlib.util
import os
import re
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADER = """# Variables

Every public variable of the collection's roles, generated from their `meta/argument_specs.yml` by
`scripts/render_generated_docs.py` (`make docs` fails when this page is out of date). A variable used by several
roles is listed once per role; give it once (inventory, group_vars or `-e`) and every role reads the same value.
"""


def _one_line(text):
    if isinstance(text, list):
        text = " ".join(text)
    return " ".join(str(text or "").split()).replace("|", "\\|")


def _default(option):
    if "default" not in option:
        return "required" if option.get("required") else "—"
    value = option["default"]
    return "`%s`" % (yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip(),)


def render_variables():
    lines = [HEADER]
    roles_dir = os.path.join(REPO, "roles")
    for role in sorted(os.listdir(roles_dir)):
        spec_path = os.path.join(roles_dir, role, "meta", "argument_specs.yml")
        if not os.path.exists(spec_path):
            continue
        with open(spec_path, encoding="utf-8") as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        for entry_point, spec in sorted(specs.items()):
            title = role if entry_point == "main" else "%s (%s)" % (role, entry_point)
            lines.append("\n## Role `%s`\n\n%s\n" % (title, _one_line(spec.get("short_description", ""))))
            lines.append("| Variable | Type | Default | Description |\n|---|---|---|---|")
            for name, option in sorted((spec.get("options") or {}).items()):
                row = (name, option.get("type", "str"), _default(option), _one_line(option.get("description", "")))
                lines.append("| `%s` | %s | %s | %s |" % row)
    return "\n".join(lines) + "\n"


TROUBLESHOOTING_HEADER = """# Troubleshooting: from symptom to cause to fix

When a host cannot reach AWS through its profile, `hybridcloud.rolesanywhere.verify` (the playbook or the role)
names one cause per host and profile, with the fix. This page lists every cause it can report, generated from the
diagnosis catalogue in `plugins/module_utils/diagnosis.py` by `scripts/render_generated_docs.py`, so it never drifts
from what verify prints. Placeholders in angle brackets are filled with the host's facts in a real report.

Start from the symptom: the `cause` field of verify's result (or its report line), then read the message and the fix.
A host that is simply misconfigured is usually in the first group; a host that worked yesterday, in the third.
"""

# How the catalogue's causes group for a reader, in the order a failure is usually met. A cause no group names lands
# in the last one, so a new cause shows up on the page even before someone files it here.
TROUBLESHOOTING_GROUPS = (
    (
        "The host's AWS configuration, helper and files",
        lambda diagnosis: diagnosis.STRUCTURAL_CAUSES + ("credential_process_multiline",),
    ),
    ("The certificate on the host", lambda diagnosis: diagnosis.CERTIFICATE_CAUSES),
    (
        "What IAM Roles Anywhere refused (CreateSession)",
        lambda diagnosis: (
            "intermediates_missing",
            "certificate_untrusted",
            "certificate_from_other_ca",
            "certificate_revoked",
            "trust_anchor_missing",
            "trust_anchor_disabled",
            "rolesanywhere_profile_missing",
            "profile_disabled",
            "session_resource_missing",
            "role_not_in_profile",
            "trust_policy_mismatch",
            "role_session_name_not_accepted",
            "request_signature_invalid",
            "clock_skew",
            "credentials_rejected",
        ),
    ),
    (
        "Network, quota and the AWS CLI",
        lambda diagnosis: (
            "endpoint_unreachable",
            "create_session_throttled",
            "awscli_missing",
            "awscli_ignores_services",
        ),
    ),
    (
        "The session works, but the call is denied",
        lambda diagnosis: (
            "permission_missing_on_role",
            "permission_cut_by_session_policy",
            "permission_denied",
            "wrong_identity",
        ),
    ),
    ("Anything else", lambda diagnosis: tuple(diagnosis.CATALOGUE)),
)


def _load_diagnosis():
    """The catalogue module itself (pure logic, standard library only), loaded from its file."""
    path = os.path.join(REPO, "plugins", "module_utils", "diagnosis.py")
    spec = importlib.util.spec_from_file_location("rolesanywhere_diagnosis", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _placeholders_shown(template):
    """'{config_file}' reads better as '<config_file>' on a page about no particular host."""
    return _one_line(re.sub(r"\{(\w+)\}", r"<\1>", template))


def render_troubleshooting():
    diagnosis = _load_diagnosis()
    remaining = list(diagnosis.CATALOGUE)
    lines = [TROUBLESHOOTING_HEADER]
    for title, members in TROUBLESHOOTING_GROUPS:
        codes = [code for code in members(diagnosis) if code in remaining]
        if not codes:
            continue
        remaining = [code for code in remaining if code not in codes]
        lines.append("\n## %s\n\n| Cause | What verify says | Fix |\n|---|---|---|" % title)
        for code in codes:
            message, fix = diagnosis.CATALOGUE[code]
            lines.append("| `%s` | %s | %s |" % (code, _placeholders_shown(message), _placeholders_shown(fix)))
    return "\n".join(lines) + "\n"


PAGES = {
    os.path.join("docs", "variables.md"): render_variables,
    os.path.join("docs", "troubleshooting.md"): render_troubleshooting,
}


def main(argv):
    status = 0
    for relative, render in PAGES.items():
        target = os.path.join(REPO, relative)
        content = render()
        if "--check" in argv:
            with open(target, encoding="utf-8") as handle:
                if handle.read() != content:
                    print(
                        "%s is out of date: run `python scripts/render_generated_docs.py`" % relative, file=sys.stderr
                    )
                    status = 1
            continue
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(content)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
