"""The fleet report of the verify role: JSON, CSV and an HTML page opened in real headless Chromium.

Three local hosts onboarded against the stand-in; then the verify playbook, with one host's AWS CLI gone, writes the
report on the controller. Chromium loads the page from
its file (a sorting link: ?sort=<column>&order=desc clicks the heading in the page) and the test reads the DOM it
dumps: every host's row, in the order the sort asked for.
"""

import csv
import json
import os
import re
import shutil
import subprocess

import pytest

from support import local_fleet
from support.ansible_run import run_playbook
from support.field_tools import unavailable

HOSTS = ["report-a", "report-b", "report-c"]
BROKEN = "report-b"


def chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    return unavailable(
        "headless Chromium is absent (Debian package chromium; make system-deps installs it)",
        "ROLESANYWHERE_REQUIRE_CHROMIUM",
    )


def dump_dom(browser, url):
    completed = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def row_hosts(dom):
    """The hosts of the table's rows, in the order the page shows them."""
    body = dom[dom.index("<tbody>") : dom.index("</tbody>")]
    return re.findall(r'<tr class="[^"]*" data-host="([^"]+)"', body)


@pytest.fixture(scope="module")
def report(localaws, tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    inventory = local_fleet.inventory(root, HOSTS)
    members = inventory["all"]["children"]["rolesanywhere_hosts"]["hosts"]
    variables = local_fleet.variables(
        localaws,
        root,
        rolesanywhere_trust_anchor_name="report-anchor",
        rolesanywhere_profile_name="report-profile",
        rolesanywhere_role_name="report-role",
    )
    env = local_fleet.environment(localaws, root)
    onboarded = run_playbook(
        "hybridcloud.rolesanywhere.onboard", tmp_path=root, inventory=inventory, extra_vars=variables, env=env
    )
    assert onboarded.rc == 0, onboarded.explain()

    # The verify run breaks one host: its AWS CLI is gone, and verify is told to use the CLI there (host variables,
    # which the extra vars must not override; elsewhere the in-process SDK client makes the calls).
    del variables["rolesanywhere_awscli_path"]
    for host in HOSTS:
        members[host]["rolesanywhere_awscli_path"] = (
            "/nonexistent/aws" if host == BROKEN else local_fleet.PYTHON_BIN + "/aws"
        )
    members[BROKEN]["rolesanywhere_verify_client"] = "cli"
    directory = os.path.join(str(root), "report")
    verified = run_playbook(
        "hybridcloud.rolesanywhere.verify",
        tmp_path=root,
        inventory=inventory,
        extra_vars=dict(variables, rolesanywhere_report_dir=directory),
        env=env,
    )
    assert verified.rc != 0 and verified.stats[BROKEN]["failures"] == 1, verified.explain()
    return directory


def test_the_json_and_csv_list_every_host_with_its_status(report):
    with open(os.path.join(report, "verify-report.json"), encoding="utf-8") as handle:
        document = json.load(handle)
    rows = {row["host"]: row for row in document["hosts"]}
    assert sorted(rows) == sorted(HOSTS)
    assert document["counts"] == {"ok": 2, "failed": 1, "not verified": 0}
    assert rows[BROKEN]["status"] == "failed" and rows[BROKEN]["cause"] == "awscli_missing"
    assert "/nonexistent/aws" in rows[BROKEN]["message"] and rows[BROKEN]["fix"]
    for host in HOSTS:
        assert 363 <= rows[host]["days_left"] <= 365, rows[host]
        assert rows[host]["helper"] and rows[host]["verified_at"].endswith("Z")
    with open(os.path.join(report, "verify-report.csv"), encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [row["host"] for row in table] == sorted(HOSTS)
    assert [row["status"] for row in table] == [rows[host]["status"] for host in sorted(HOSTS)]


def test_the_page_is_self_contained(report):
    with open(os.path.join(report, "verify-report.html"), encoding="utf-8") as handle:
        page = handle.read()
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", page, re.I), "the page must load nothing from elsewhere"


def test_chromium_shows_every_host_and_sorts_by_a_clicked_column(report):
    browser = chromium()
    page = "file://" + os.path.join(report, "verify-report.html")

    loaded = dump_dom(browser, page)
    assert row_hosts(loaded) == sorted(HOSTS)
    assert "3 hosts: 2 ok, 1 failed, 0 not verified" in loaded

    by_host_descending = dump_dom(browser, page + "?sort=host&order=desc")
    assert row_hosts(by_host_descending) == sorted(HOSTS, reverse=True)
    assert 'data-key="host" data-numeric="false" aria-sort="descending"' in by_host_descending

    # "failed" sorts before "ok": the broken host comes first, then the others by host name.
    by_status = dump_dom(browser, page + "?sort=status")
    assert row_hosts(by_status) == [BROKEN] + [host for host in HOSTS if host != BROKEN]
    by_status_descending = dump_dom(browser, page + "?sort=status&order=desc")
    assert row_hosts(by_status_descending)[-1] == BROKEN


def test_chromium_sorts_days_left_as_numbers(tmp_path):
    """Days left sort as numbers (9 before 100), hosts without a certificate last; rendered by the module's own code."""
    from ansible_collections.hybridcloud.rolesanywhere.plugins.module_utils import fleet_report

    browser = chromium()
    results = {"soon": 9, "later": 100, "latest": 365, "never": None}
    rows = fleet_report.rows_of(
        [
            {
                "host": host,
                "result": {
                    "ok": days is not None,
                    "certificate": {"not_after": "x", "days_left": days} if days else None,
                },
            }
            for host, days in results.items()
        ]
    )
    path = tmp_path / "page.html"
    path.write_bytes(fleet_report.render_html(rows, "now"))

    ascending = dump_dom(browser, "file://%s?sort=days_left" % path)
    assert row_hosts(ascending) == ["soon", "later", "latest", "never"]
    descending = dump_dom(browser, "file://%s?sort=days_left&order=desc" % path)
    assert row_hosts(descending) == ["never", "latest", "later", "soon"]
