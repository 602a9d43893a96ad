"""pytest plugin: the reliability suite's summary line, counting its cases by outcome.

Each case of tests/integration/reliability records its outcome in the test report's user_properties
("reliability_outcome", "reliability_traceback", "reliability_unintended_change"); user_properties travel from
pytest-xdist workers to the controller, so this plugin (registered from tests/conftest.py, loaded on the controller and
on every worker) sees every case whichever process ran it.
"""

import collections

_OUTCOMES = collections.Counter()


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    properties = dict(report.user_properties)
    if "reliability_outcome" not in properties:
        return
    _OUTCOMES["cases"] += 1
    _OUTCOMES[properties["reliability_outcome"]] += 1
    _OUTCOMES["tracebacks"] += int(bool(properties.get("reliability_traceback")))
    _OUTCOMES["unintended changes"] += int(bool(properties.get("reliability_unintended_change")))
    _OUTCOMES["failed"] += int(report.failed)


def summary_line(counts):
    outcomes = sorted(
        (name, count)
        for name, count in counts.items()
        if name not in ("cases", "tracebacks", "unintended changes", "failed")
    )
    return "reliability: %d cases — %s, %d tracebacks, %d unintended changes, %d failed" % (
        counts["cases"],
        ", ".join("%d %s" % (count, name) for name, count in outcomes) or "none run",
        counts["tracebacks"],
        counts["unintended changes"],
        counts["failed"],
    )


def pytest_terminal_summary(terminalreporter):
    # Workers report to the controller; only the process that writes the terminal summary prints the line.
    if _OUTCOMES["cases"] and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.write_sep("-", summary_line(_OUTCOMES))
