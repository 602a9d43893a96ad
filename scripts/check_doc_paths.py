"""Every repository path the documentation cites exists: `code spans` and Markdown links in README.md, CONTRIBUTING.md,
SECURITY.md, docs/*.md and examples' READMEs, and the paths in .ansible-lint.

A cited path is a code span or link target that starts with one of the repository's top-level directories (plugins/,
roles/, docs/, ...) or is a Markdown link relative to the file. A span may also name a file inside each role
(`meta/argument_specs.yml`). Spans with placeholders (<name>, *, {a,b}, $VAR, ...) are not checked, nor paths git
ignores (build/, dist/, tests/output/: made by the build and the tests). Prints each missing path with the file and line
that cite it and exits 1 if there is one.
"""

import glob
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP_LEVEL = (
    "plugins/",
    "roles/",
    "playbooks/",
    "docs/",
    "tests/",
    "scripts/",
    "examples/",
    "extensions/",
    "meta/",
    "changelogs/",
    "benchmarks/",
    ".ci/",
)
PLACEHOLDER = re.compile(r"[<>*{}$…\s]|\.\.\.")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def documents():
    paths = ["README.md", "CONTRIBUTING.md", "SECURITY.md"] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
    paths += sorted(glob.glob(os.path.join(REPO, "examples", "**", "README.md"), recursive=True))
    return [os.path.join(REPO, path) for path in paths]


def _strip(candidate):
    """A span such as `roles/trust/tasks/main.yml:12` or `docs/pki.md#revocation` names the file before : or #."""
    return re.split(r"[:#]", candidate, maxsplit=1)[0].rstrip(".,;")


def cited_in_markdown(path):
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            for span in CODE_SPAN.findall(line):
                candidate = _strip(span.strip())
                if candidate.startswith(TOP_LEVEL) and not PLACEHOLDER.search(candidate):
                    yield number, candidate, os.path.join(REPO, candidate)
            for target in LINK.findall(line):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue
                candidate = _strip(target)
                if candidate and not PLACEHOLDER.search(candidate):
                    yield number, candidate, os.path.normpath(os.path.join(os.path.dirname(path), candidate))


def cited_in_ansible_lint():
    path = os.path.join(REPO, ".ansible-lint")
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            match = re.match(r"^\s*-\s+['\"]?([\w./-]+?)['\"]?\s*(#.*)?$", line)
            if match and "/" in match.group(1) and not PLACEHOLDER.search(match.group(1)):
                yield number, match.group(1), os.path.join(REPO, match.group(1))


def exists(cited, resolved):
    if os.path.exists(resolved) or glob.glob(os.path.join(REPO, "roles", "*", cited)):
        return True
    ignored = subprocess.run(["git", "-C", REPO, "check-ignore", "-q", "--no-index", resolved], check=False)
    return ignored.returncode == 0


def main():
    missing = []
    checked = 0
    for document in documents():
        for number, cited, resolved in cited_in_markdown(document):
            checked += 1
            if not exists(cited, resolved):
                missing.append("%s:%d: %s" % (os.path.relpath(document, REPO), number, cited))
    for number, cited, resolved in cited_in_ansible_lint() or ():
        checked += 1
        if not exists(cited, resolved):
            missing.append(".ansible-lint:%d: %s" % (number, cited))
    for line in missing:
        print("cites a path that does not exist: " + line, file=sys.stderr)
    print("documentation cites %d repository paths; %d do not exist" % (checked, len(missing)))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
