#!/usr/bin/env python3
"""Validates Schemas/examples/<schema-name>/*.json against Schemas/<schema-name>.schema.json
(JSON Schema 2020-12): every valid-* example must validate, every invalid-* must not.
Extra JSON files (one document per line) given on the command line as SCHEMA=FILE are
validated too, e.g. samples a command just produced."""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator, FormatChecker

root = pathlib.Path(__file__).resolve().parents[2] / "Schemas"
failures = 0


def validator(name):
    schema = json.loads((root / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


for directory in sorted((root / "examples").iterdir()):
    check = validator(directory.name)
    for example in sorted(directory.glob("*.json")):
        errors = list(check.iter_errors(json.loads(example.read_text())))
        expected_valid = example.name.startswith("valid-")
        if expected_valid == (not errors):
            print(f"ok: {directory.name}/{example.name}")
        else:
            failures += 1
            print(f"FAIL: {directory.name}/{example.name}: expected {'valid' if expected_valid else 'invalid'}"
                  + (f" ({errors[0].message})" if errors else ""), file=sys.stderr)

for argument in sys.argv[1:]:
    name, path = argument.split("=", 1)
    check = validator(name)
    lines = [line for line in pathlib.Path(path).read_text().splitlines() if line.strip()]
    bad = [(n, e.message) for n, line in enumerate(lines, 1) for e in check.iter_errors(json.loads(line))]
    if bad:
        failures += 1
        print(f"FAIL: {path}: {len(bad)} errors, first at line {bad[0][0]}: {bad[0][1]}", file=sys.stderr)
    else:
        print(f"ok: {path}: {len(lines)} documents valid against {name}")

sys.exit(1 if failures else 0)
