#!/usr/bin/env python3
"""Validate every OpenAPI document in specs/ against the schema of its OpenAPI version.

Usage: python tests/python/validate_specs.py [SPEC ...]
With no arguments, checks every specs/*.yaml, *.yml and *.json of the repository.
Prints one line per spec and exits non-zero if any spec fails (or none is found).
"""

from __future__ import annotations

import sys
from pathlib import Path

from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.readers import read_from_filename

REPO = Path(__file__).resolve().parents[2]
SPECS = REPO / "specs"
MAX_ERRORS_SHOWN = 5


def validator_for(version: str):
    if version.startswith("3.0."):
        return OpenAPIV30SpecValidator
    if version.startswith("3.1."):
        return OpenAPIV31SpecValidator
    return None


def check(path: Path) -> tuple[bool, str]:
    try:
        spec, base_uri = read_from_filename(str(path))
    except Exception as exc:  # unreadable or not YAML/JSON
        return False, f"cannot parse: {exc}"
    if not isinstance(spec, dict):
        return False, "not a mapping at the top level"
    version = str(spec.get("openapi", ""))
    cls = validator_for(version)
    if cls is None:
        return False, f"unsupported or missing 'openapi' version {version!r}"
    errors = list(cls(spec, base_uri=base_uri).iter_errors())
    if errors:
        lines = [f"OpenAPI {version}: {len(errors)} error(s)"]
        for err in errors[:MAX_ERRORS_SHOWN]:
            where = " > ".join(str(p) for p in getattr(err, "path", [])) or "<root>"
            lines.append(f"    at {where}: {getattr(err, 'message', err)}")
        return False, "\n".join(lines)
    paths = spec.get("paths") or {}
    ops = sum(
        1
        for item in paths.values()
        for method in item
        if method in {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    )
    return True, f"OpenAPI {version}, {ops} operations"


def main(argv: list[str]) -> int:
    if argv:
        files = [Path(a) for a in argv]
    else:
        files = sorted(
            p for p in SPECS.iterdir() if p.suffix in {".yaml", ".yml", ".json"}
        ) if SPECS.is_dir() else []
    if not files:
        print(f"FAIL no specs found in {SPECS}")
        return 1
    failed = 0
    for path in files:
        ok, detail = check(path)
        try:
            shown = path.resolve().relative_to(REPO)
        except ValueError:
            shown = path
        print(f"{'ok  ' if ok else 'FAIL'} {shown}: {detail}")
        failed += not ok
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
