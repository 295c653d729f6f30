"""Starting a recording server and comparing what an SDK saw with what the server saw.

A recording server is the `serve` binary of tests/interop (a generated server backed by an
implementation that records what it receives). Its debug route `/__recorded` lists every
exchange (method, path, raw query, headers and body of the request; status, headers and body
of the response) and what the implementation was handed, decoded ("received").
"""

import json
import os
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime
from enum import Enum
from uuid import UUID

from pydantic import BaseModel

# No proxy for loopback, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class RecordingServer:
    """A `serve <api>` process on 127.0.0.1, stopped with `stop()`."""

    def __init__(self, api):
        serve = os.environ.get("INTEROP_SERVE")
        if not serve:
            raise RuntimeError(
                "INTEROP_SERVE is not set: run `cargo xtask interop`, or set it to the path of "
                "the `serve` binary (cargo build -p interop --bins)"
            )
        self.dir = tempfile.mkdtemp(prefix=f"interop-{api}-")
        port_file = os.path.join(self.dir, "port")
        self._stderr = open(os.path.join(self.dir, "stderr"), "w")
        self.proc = subprocess.Popen(
            [serve, api, port_file, "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        deadline = time.monotonic() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve {api} exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"serve {api} did not listen within 30 s")
            time.sleep(0.02)
        with open(port_file) as f:
            self.url = f"http://127.0.0.1:{f.read().strip()}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._stderr.close()

    def _debug(self, method):
        request = urllib.request.Request(self.url + "/__recorded", method=method)
        with _OPENER.open(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def clear(self):
        self._debug("DELETE")

    def recorded(self):
        return self._debug("GET")

    def only(self):
        """The one exchange since `clear()`, and what the implementation was handed for it."""
        seen = self.recorded()
        exchanges, received = seen["exchanges"], seen["received"]
        assert len(exchanges) == 1, f"expected one request, the server saw {len(exchanges)}: {exchanges}"
        assert len(received) <= 1, f"the implementation ran {len(received)} times: {received}"
        return exchanges[0], (received[0] if received else None)


def plain(value):
    """An SDK value as JSON-like data (datetimes kept, to compare them as instants).

    Models are walked field by field (by wire name, unset `None` fields left out, additional
    properties merged) rather than through their `to_dict`, and a oneOf/anyOf wrapper is replaced
    by the instance it holds: the ACP SDK's `to_dict` turns an anyOf inside a list into `None`.
    """
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        if "actual_instance" in fields:
            return plain(value.actual_instance)
        out = {}
        for name, field in fields.items():
            if name == "additional_properties":
                continue
            v = getattr(value, name)
            if v is None and name not in value.model_fields_set:
                continue
            out[field.alias or name] = plain(v)
        for k, v in (getattr(value, "additional_properties", None) or {}).items():
            out[k] = plain(v)
        return out
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def assert_same(sdk_value, wire, path="$"):
    """What the SDK hands back equals what went over the wire.

    Datetimes compare as instants. A key that is `null` on one side may be missing on the other
    (the SDKs drop most `None` fields, and keep some they were given); any other difference
    fails, naming the JSON path.
    """
    sdk = plain(sdk_value)
    if isinstance(sdk, datetime):
        assert isinstance(wire, str), f"{path}: SDK has a datetime, the wire has {wire!r}"
        parsed = datetime.fromisoformat(wire.replace("Z", "+00:00"))
        assert parsed == sdk, f"{path}: SDK {sdk.isoformat()} != wire {wire}"
    elif isinstance(sdk, dict):
        assert isinstance(wire, dict), f"{path}: SDK has an object, the wire has {wire!r}"
        for key in sorted(set(sdk) | set(wire)):
            if key not in sdk:
                assert wire[key] is None, f"{path}.{key}: on the wire ({wire[key]!r}) but not in the SDK's value"
            elif key not in wire:
                assert sdk[key] is None, f"{path}.{key}: in the SDK's value ({sdk[key]!r}) but not on the wire"
            else:
                assert_same(sdk[key], wire[key], f"{path}.{key}")
    elif isinstance(sdk, list):
        assert isinstance(wire, list), f"{path}: SDK has an array, the wire has {wire!r}"
        assert len(sdk) == len(wire), f"{path}: SDK has {len(sdk)} items, the wire {len(wire)}"
        for i, (a, b) in enumerate(zip(sdk, wire)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(sdk, bool) or isinstance(wire, bool):
        assert sdk is wire, f"{path}: SDK {sdk!r} != wire {wire!r}"
    else:
        assert sdk == wire, f"{path}: SDK {sdk!r} != wire {wire!r}"


def assert_sent(exchange, method, path, query=None, body=None, headers=None):
    """The request the server recorded is the one the SDK was asked to send."""
    assert exchange["method"] == method, f"method {exchange['method']} != {method}"
    assert exchange["path"] == path, f"path {exchange['path']} != {path}"
    assert exchange["query"] == query, f"query {exchange['query']!r} != {query!r}"
    assert exchange["body"] == body, f"body {json.dumps(exchange['body'])} != {json.dumps(body)}"
    for name, value in (headers or {}).items():
        got = exchange["headers"].get(name.lower())
        assert got == value, f"header {name}: {got!r} != {value!r}"


def assert_received(received, expected):
    """The implementation was handed (decoded) what the SDK sent: every expected key, equal.

    The decoded body may hold more keys than were sent: the spec's defaults, filled in.
    """
    assert received is not None, "the implementation was not called"
    for key, value in expected.items():
        assert key in received, f"the implementation did not get {key!r}: {received}"
        if isinstance(value, dict) and isinstance(received[key], dict):
            for k, v in value.items():
                assert received[key].get(k) == v, f"{key}.{k}: implementation got {received[key].get(k)!r}, sent {v!r}"
        else:
            assert received[key] == value, f"{key}: implementation got {received[key]!r}, sent {value!r}"


def parse_sse(text):
    """The events of an event stream (WHATWG rules for the fields used here), as dicts with
    `event`, `id` and `data` (joined data lines); comments and retry ignored."""
    events, current, data = [], {}, []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if data:
                current["data"] = "\n".join(data)
                events.append(current)
            current, data = {}, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            data.append(value)
        elif field in ("event", "id"):
            current[field] = value
    return events
