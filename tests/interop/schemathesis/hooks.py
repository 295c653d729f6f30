"""Schemathesis hooks for oagen's servers: a check of Server-Sent Events payloads.

Before OpenAPI 3.2 (`itemSchema`) no standard says what the schema of a `text/event-stream`
response describes. Schemathesis reads it as the schema of each event (`{"data": ..., "event":
..., "id": ...}`); oagen, like the specs it serves (and most published ones, OpenAI's among
them), reads it as the schema of the JSON payload each event carries in `data:`, unless the
schema itself describes the event (`data` beside `event` or `id`, as ACP's does). So
`run.py` turns Schemathesis's own check off for streaming operations and this check takes its
place: every event's `data` must be JSON valid against the documented schema.
"""

import json

import jsonschema_rs
import schemathesis


def _events(text):
    """The events of an SSE body (WHATWG parsing): `(data, fields)` with the `event` and `id`
    fields seen. Comments are skipped."""
    data, fields, events = [], {}, []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if data:
                events.append(("\n".join(data), fields))
            data, fields = [], {}
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
            if field == "data":
                data.append(value)
            elif field in ("event", "id"):
                fields[field] = value
    if data:
        events.append(("\n".join(data), fields))
    return events


def _is_envelope(schema):
    """A schema of the whole event (`data` with `event` or `id` beside it), as ACP writes its
    stream: oagen reads such a schema as the envelope and `data` as the payload's schema."""
    if not isinstance(schema, dict):
        return False
    ref = schema.get("$ref", "")
    if ref.startswith("#/x-bundled/"):
        # Schemathesis bundles referenced schemas under `x-bundled`.
        schema = schema.get("x-bundled", {}).get(ref.rsplit("/", 1)[-1], {})
    properties = schema.get("properties", {})
    return "data" in properties and ("event" in properties or "id" in properties)


@schemathesis.check
def sse_payload_conformance(ctx, response, case):
    """Each event's `data` of a `text/event-stream` answer is JSON valid against the schema
    the spec documents for that answer."""
    content_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    if content_type != "text/event-stream":
        return None
    definition = case.operation.responses.find_by_status_code(response.status_code)
    if definition is None:
        return None
    resolved = definition.get_schema("text/event-stream")
    if resolved is None or resolved.schema is None:
        return None
    validator = jsonschema_rs.validator_for(resolved.schema)
    envelope = _is_envelope(resolved.schema)
    for index, (data, fields) in enumerate(_events(response.text)):
        try:
            payload = json.loads(data)
        except ValueError as exc:
            raise AssertionError(f"event #{index}: `data` is not JSON ({exc}): {data[:200]}")
        if envelope:
            payload = dict(fields, data=payload)
        errors = [str(e) for e in validator.iter_errors(payload)]
        if errors:
            raise AssertionError(
                f"event #{index}: `data` does not match the documented schema: {errors[0]}"
                f" (payload {data[:200]})"
            )
    return None
