# -*- coding: utf-8 -*-
# Copyright: contributors to hybridcloud.rolesanywhere
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report of the verify role: one row per host, as JSON, CSV and a self-contained HTML page.

Pure rendering, no file access: the fleet_report module writes what these functions return. The HTML page carries
its style and script inline (no external assets), so it opens from a file, a mail attachment or an artifact store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import html
import io
import json

# Column key, heading, and whether it sorts as a number; the order of the CSV columns and of the HTML table.
COLUMNS = (
    ("host", "Host", False),
    ("status", "Status", False),
    ("cause", "Cause", False),
    ("message", "What is wrong", False),
    ("fix", "Fix", False),
    ("certificate_not_after", "Certificate expires", False),
    ("days_left", "Days left", True),
    ("helper", "Helper", False),
    ("verified_at", "Last verified", False),
)

STATUS_OK, STATUS_FAILED, STATUS_NOT_VERIFIED = "ok", "failed", "not verified"


def row_of(host, result, verified_at=None):
    """One host's row from its rolesanywhere_verify_result (None or empty when the host was never verified)."""
    result = result or {}
    certificate = result.get("certificate") or {}
    problem = result.get("diagnosis") or {}
    if not result:
        status = STATUS_NOT_VERIFIED
    else:
        status = STATUS_OK if result.get("ok") else STATUS_FAILED
    return {
        "host": host,
        "status": status,
        "cause": problem.get("code") or ("" if result else "not_verified"),
        "message": problem.get("message")
        or ("" if result else "The host was not verified in this run (unreachable, or it failed earlier)."),
        "fix": problem.get("fix") or "",
        "certificate_not_after": certificate.get("not_after") or "",
        "days_left": certificate.get("days_left"),
        "certificate_serial": certificate.get("serial") or "",
        "helper": result.get("helper") or "",
        "assumed_role_arn": result.get("assumed_role_arn") or "",
        "verified_at": verified_at or "",
    }


def rows_of(hosts):
    """Rows sorted by host from a list of {host, result, verified_at}."""
    return sorted(
        (row_of(entry["host"], entry.get("result"), entry.get("verified_at")) for entry in hosts),
        key=lambda row: row["host"],
    )


def counts(rows):
    totals = {STATUS_OK: 0, STATUS_FAILED: 0, STATUS_NOT_VERIFIED: 0}
    for row in rows:
        totals[row["status"]] += 1
    return totals


def render_json(rows, generated_at):
    document = {"generated_at": generated_at, "counts": counts(rows), "hosts": rows}
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def render_csv(rows):
    buffer = io.StringIO()
    fields = [key for key, _heading, _numeric in COLUMNS] + ["certificate_serial", "assumed_role_arn"]
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(dict(row, days_left="" if row["days_left"] is None else row["days_left"]))
    return buffer.getvalue().encode("utf-8")


STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
tr.failed td.status { color: #a00; font-weight: bold; }
tr.ok td.status { color: #070; }
tr.not-verified td.status { color: #a60; }
td.soon { color: #a60; font-weight: bold; }
"""

# Click a heading to sort by it, click again to reverse; ?sort=<column>&order=desc sorts on load (a link to a view).
SCRIPT = """
(function () {
  var table = document.getElementById("fleet");
  var headings = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function value(row, index, numeric) {
    var text = row.cells[index].getAttribute("data-value");
    if (!numeric) { return text; }
    return text === "" ? Number.POSITIVE_INFINITY : Number(text);
  }
  function sortBy(heading, descending) {
    var index = headings.indexOf(heading), numeric = heading.getAttribute("data-numeric") === "true";
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, index, numeric), y = value(b, index, numeric);
      var order = x < y ? -1 : (x > y ? 1 : 0);
      if (order === 0) { order = value(a, 0, false) < value(b, 0, false) ? -1 : 1; }
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    headings.forEach(function (other) { other.removeAttribute("aria-sort"); });
    heading.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  headings.forEach(function (heading) {
    heading.addEventListener("click", function () {
      sortBy(heading, heading.getAttribute("aria-sort") === "ascending");
    });
  });
  var query = new URLSearchParams(window.location.search), wanted = query.get("sort");
  headings.forEach(function (heading) {
    if (heading.getAttribute("data-key") === wanted) {
      heading.click();
      if (query.get("order") === "desc") { heading.click(); }
    }
  });
}());
"""


def _cell(key, row, warning_days):
    raw = row.get(key)
    value = "" if raw is None else str(raw)
    classes = [key.replace("_", "-")]
    if key == "days_left" and raw is not None and warning_days and raw < warning_days:
        classes.append("soon")
    return '<td class="%s" data-value="%s">%s</td>' % (" ".join(classes), html.escape(value), html.escape(value))


def render_html(rows, generated_at, title="IAM Roles Anywhere fleet report", warning_days=30):
    totals = counts(rows)
    headings = "".join(
        '<th data-key="%s" data-numeric="%s">%s</th>' % (key, "true" if numeric else "false", html.escape(heading))
        for key, heading, numeric in COLUMNS
    )
    body = "\n".join(
        '<tr class="%s" data-host="%s">%s</tr>'
        % (
            row["status"].replace(" ", "-"),
            html.escape(row["host"]),
            "".join(_cell(key, row, warning_days) for key, _heading, _numeric in COLUMNS),
        )
        for row in rows
    )
    summary = "%d hosts: %d ok, %d failed, %d not verified. Generated %s." % (
        len(rows),
        totals[STATUS_OK],
        totals[STATUS_FAILED],
        totals[STATUS_NOT_VERIFIED],
        generated_at,
    )
    page = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
<h1>{title}</h1>
<p id="summary">{summary}</p>
<table id="fleet">
<thead><tr>{headings}</tr></thead>
<tbody>
{body}
</tbody>
</table>
<script>{script}</script>
</body>
</html>
""".format(
        title=html.escape(title), style=STYLE, summary=html.escape(summary), headings=headings, body=body, script=SCRIPT
    )
    return page.encode("utf-8")
