"""One summary line per ansible-core release the collection claims, for scripts/run_tests.sh: its ansible-test sanity
result and its onboard + verify result.

The pinned release (requirements.txt, in .venv) is tested by the `sanity` layer and the whole `integration` layer; each
other release (tests/integration/compat/ansible-core-versions.txt) by scripts/sanity_each_core.sh, which leaves
build/test-results/sanity-<release>, and by tests/integration/compat, read from the integration layer's JUnit report.
Prints the lines and exits 1 if a release has a result other than passed (or none).

Usage: python scripts/core_versions_summary.py PINNED_SANITY_OUTCOME PINNED_INTEGRATION_OUTCOME
"""

import os
import sys
from xml.etree import ElementTree

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(REPO, "build", "test-results")
COMPAT_TEST = "test_onboard_and_verify_on_each_claimed_ansible_core"


def pinned_release():
    with open(os.path.join(REPO, "requirements.txt"), encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("ansible-core=="):
                return line.strip().split("==")[1]
    raise SystemExit("requirements.txt pins no ansible-core")


def claimed_releases():
    with open(
        os.path.join(REPO, "tests", "integration", "compat", "ansible-core-versions.txt"), encoding="utf-8"
    ) as handle:
        return [line.split()[0] for line in handle if line.strip() and not line.startswith("#")]


def sanity_outcome(release):
    try:
        with open(os.path.join(RESULTS, "sanity-" + release), encoding="utf-8") as handle:
            return handle.read().strip()
    except FileNotFoundError:
        return "not run"


def compat_outcomes():
    """{release: passed|FAILED|skipped} from the integration layer's JUnit report."""
    path = os.path.join(RESULTS, "integration.xml")
    if not os.path.exists(path):
        return {}
    outcomes = {}
    for case in ElementTree.parse(path).iter("testcase"):
        name = case.get("name", "")
        if not name.startswith(COMPAT_TEST + "["):
            continue
        release = name[len(COMPAT_TEST) + 1 : -1]
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes[release] = "FAILED"
        elif case.find("skipped") is not None:
            outcomes[release] = "skipped"
        else:
            outcomes[release] = "passed"
    return outcomes


def main(pinned_sanity, pinned_integration):
    rows = [(pinned_release(), pinned_sanity, "%s (the whole integration layer)" % pinned_integration)]
    compat = compat_outcomes()
    for release in claimed_releases():
        rows.append((release, sanity_outcome(release), compat.get(release, "not run")))
    ok = True
    for release, sanity, onboard in sorted(rows, key=lambda row: tuple(int(part) for part in row[0].split("."))):
        print("ansible-core %-8s sanity: %-22s onboard+verify: %s" % (release, sanity, onboard))
        ok = ok and sanity.startswith("passed") and onboard.startswith("passed")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
