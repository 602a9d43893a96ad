"""Write docs/variables.md from the roles' meta/argument_specs.yml, the single source of truth.

Usage: python scripts/render_variables_doc.py [--check]
With --check it writes nothing and exits 1 when docs/variables.md is out of date.
"""

import os
import sys

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(REPO, "docs", "variables.md")

HEADER = """# Variables

Every public variable of the collection's roles, generated from their `meta/argument_specs.yml` by
`scripts/render_variables_doc.py` (`make docs` fails when this page is out of date). A variable used by several
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


def render():
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


def main(argv):
    content = render()
    if "--check" in argv:
        with open(TARGET, encoding="utf-8") as handle:
            if handle.read() != content:
                print("docs/variables.md is out of date: run `python scripts/render_variables_doc.py`", file=sys.stderr)
                return 1
        return 0
    with open(TARGET, "w", encoding="utf-8") as handle:
        handle.write(content)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
