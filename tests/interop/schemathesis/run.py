"""Schemathesis against every generated server: does any answer break the spec?

`cargo xtask interop` runs this with the interop virtual environment's Python:

    python run.py <serve binary> <results.jsonl> <work dir> [--max-examples N]

For each spec in `specs/`, the `serve` binary starts the generated server on loopback, backed
by an implementation (the recording servers of `tests/interop/src`, the `e2e` crate's reference
implementations of the agent runtime and platform), with the credentials it accepts. Then
Schemathesis runs twice against it, each operation `N` examples per phase:

- valid requests (`--mode positive`): every answer must be documented (status, content type,
  headers, body schema), no 5xx, and unknown credentials must be refused (401/403);
- invalid requests (`--mode negative`): no 5xx, and each refusal must be a documented status
  with a documented content type and body.

Each operation is one result line (the same JSON lines as the pytest suite writes). What
Schemathesis finds that is not about answers breaking the spec is recorded as a note, not a
failure: a request with data the schema forbids that was accepted (the router does not check
numeric bounds, string lengths, patterns or `format: uri` yet), a schema-valid integer beyond
64 bits refused, and stateful checks (deleted resources still served) that recording servers
with fixed answers cannot meet (the stateful phase is not run). SSE payloads are checked by `hooks.py` (see there why).
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent

# api name for `serve`, spec file, request headers (the credentials the implementation accepts),
# operations whose documented 5xx answers to valid requests are the implementation's design.
APIS = [
    ("acp", "acp.json", [], []),
    ("conversations", "conversations.yaml", ["Authorization: rai-interop-key-1234"], []),
    ("devrev-agents", "devrev-agents.yaml", ["Authorization: Bearer devrev-interop-token"], []),
    ("agent-platform", "agent-platform.yaml", ["Authorization: Bearer sk_bootstrap"], []),
    # The reference runtime answers the documented 503 `unavailable` for a model it lists but
    # has not loaded (`o-reasoner`).
    (
        "agent-runtime",
        "agent-runtime.yaml",
        ["Authorization: Bearer runtime-interop-token"],
        ["invoke_runtime_model"],
    ),
]

# Failures that are not an answer breaking the spec (see the module doc).
NOTED = {
    "ST201": "accepted a request the schema forbids",
    "ST202": "refused a schema-valid request",
    "ST301": "stateful check",
    "ST302": "stateful check",
}
CODE = re.compile(r"^- (ST\d+) (.+)$", re.MULTILINE)


def sse_operations(spec):
    """operationIds whose answers include `text/event-stream`."""
    doc = yaml.safe_load(spec.read_text())
    found = []
    for item in doc.get("paths", {}).values():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for response in op["responses"].values():
                if "text/event-stream" in (response.get("content") or {}):
                    found.append(op["operationId"])
                    break
    return found


def config(path, sse_ops, server_error_ops):
    """A Schemathesis config: every check on, Schemathesis's SSE reading off where ours runs."""
    lines = ["[checks]", "enabled = true", ""]
    for op in sse_ops:
        lines += [
            "[[operations]]",
            f'include-operation-id = "{op}"',
            "checks.response_schema_conformance.enabled = false",
            "",
        ]
    for op in server_error_ops:
        lines += [
            "[[operations]]",
            f'include-operation-id = "{op}"',
            "checks.not_a_server_error.enabled = false",
            "",
        ]
    path.write_text("\n".join(lines))


def start(serve, api, port_file, log):
    port_file.unlink(missing_ok=True)
    child = subprocess.Popen(
        [str(serve), api, str(port_file), "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=log,
    )
    deadline = time.time() + 30
    while not port_file.exists():
        if child.poll() is not None or time.time() > deadline:
            raise SystemExit(f"serve {api} did not start; see {log.name}")
        time.sleep(0.1)
    return child, f"http://127.0.0.1:{port_file.read_text().strip()}"


def run(spec_name, url, headers, mode, cfg, reports, max_examples, log):
    """Runs Schemathesis once; the JUnit report's test cases."""
    reports.mkdir(parents=True, exist_ok=True)
    for old in reports.glob("*.xml"):
        old.unlink()
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(cfg),
        "run",
        str(ROOT / "specs" / spec_name),
        "--url",
        url,
        "--mode",
        mode,
        "--max-examples",
        str(max_examples),
        "--seed",
        "1",
        # The stateful phase chains operations through links; the recording servers answer
        # fixed values, so it is left out (see the module doc).
        "--phases",
        "examples,coverage,fuzzing",
        "--report",
        "junit",
        "--report-dir",
        str(reports),
        "--no-color",
    ]
    for header in headers:
        command += ["--header", header]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=str(HERE))
    subprocess.run(command, stdout=log, stderr=log, env=env, cwd=HERE, check=False)
    junit = sorted(reports.glob("*.xml"))
    if not junit:
        raise SystemExit(f"schemathesis wrote no report for {spec_name} ({mode}); see {log.name}")
    return ET.parse(junit[-1]).getroot().iter("testcase")


def results(spec_name, tool, cases, mode):
    for case in cases:
        failures = [f for f in case if f.tag in ("failure", "error")]
        failed, notes = [], []
        for failure in failures:
            text = (failure.text or "") + "\n" + failure.get("message", "")
            found = CODE.findall(text) or [(failure.get("message", "error"), text.strip()[:200])]
            for code, title in found:
                title = title.strip()
                # A 2xx body that breaks the schema, in answer to a request that already did.
                echoed = mode == "negative" and code == "ST108" and re.search(
                    r"response schema for status code 2\d\d", text
                )
                if code in NOTED or echoed:
                    why = NOTED.get(code, "echoed a request the schema forbids")
                    notes.append(f"{code} {title} ({why})")
                elif failure.tag == "error":
                    failed.append(f"error: {text.strip()[:300]}")
                else:
                    failed.append(f"{code} {title}")
        yield {
            "spec": spec_name,
            "tool": tool,
            "operation": case.get("name"),
            "test": case.get("name"),
            "outcome": "failed" if failed else "passed",
            "detail": "; ".join(dict.fromkeys(failed)),
            "notes": list(dict.fromkeys(notes)),
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("serve")
    parser.add_argument("results")
    parser.add_argument("work")
    parser.add_argument("--max-examples", type=int, default=30)
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    with open(args.results, "a") as out:
        for api, spec_name, headers, server_error_ops in APIS:
            spec = ROOT / "specs" / spec_name
            cfg = work / f"{api}.toml"
            config(cfg, sse_operations(spec), server_error_ops)
            with open(work / f"{api}.log", "w") as log:
                child, url = start(args.serve, api, work / f"{api}.port", log)
                try:
                    for mode, tool in (
                        ("positive", "schemathesis: valid requests"),
                        ("negative", "schemathesis: invalid requests"),
                    ):
                        print(f"schemathesis: {spec_name}, {mode}", file=sys.stderr)
                        cases = run(
                            spec_name,
                            url,
                            headers,
                            mode,
                            cfg,
                            work / f"{api}-{mode}",
                            args.max_examples,
                            log,
                        )
                        for line in results(spec_name, tool, list(cases), mode):
                            out.write(json.dumps(line) + "\n")
                finally:
                    child.send_signal(signal.SIGTERM)
                    child.wait()


if __name__ == "__main__":
    main()
