"""Shared fixtures: one recording server per API for the session, and a results file.

With INTEROP_RESULTS set, every test appends one JSON line there: the spec, outside tool and
operation of its `op` marker, its outcome and, for a failure, the first line of the reason.
`cargo xtask interop` builds its table from these lines.
"""

import json
import os

import pytest

from helpers import RecordingServer


@pytest.fixture(scope="session")
def conversations_server():
    server = RecordingServer("conversations")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def acp_server():
    server = RecordingServer("acp")
    yield server
    server.stop()


def _reason(report):
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    text = text.split("\nassert ")[0]
    return " ".join(text.split())[:600]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    path = os.environ.get("INTEROP_RESULTS")
    marker = item.get_closest_marker("op")
    if not path or marker is None:
        return
    if report.when != "call" and not (report.when == "setup" and not report.passed):
        return
    spec, tool, operation = marker.args
    if hasattr(report, "wasxfail"):
        result, detail = "noted", report.wasxfail
    elif report.passed:
        result, detail = "passed", ""
    elif report.skipped:
        result, detail = "skipped", _reason(report)
    else:
        result, detail = "failed", _reason(report)
    notes = [str(v) for k, v in report.user_properties if k == "note"]
    line = {
        "notes": notes,
        "spec": spec,
        "tool": tool,
        "operation": operation,
        "test": item.name,
        "outcome": result,
        "detail": detail,
    }
    with open(path, "a") as f:
        f.write(json.dumps(line) + "\n")
