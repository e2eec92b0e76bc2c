#!/usr/bin/env python3
"""Validates Schemas/examples/<schema-name>/*.json (and *.yaml) against
Schemas/<schema-name>.schema.json (JSON Schema 2020-12): every valid-* example must
validate, every invalid-* must not. The configuration examples of README.md and docs/configuration.md (```yaml blocks
starting with `# salience.yaml`) and Docker/salience.yaml must validate against
config.schema.json.
Extra JSON files (one document per line) given on the command line as SCHEMA=FILE are
validated too, e.g. samples a command just produced."""
import json
import pathlib
import sys

import yaml

from jsonschema import Draft202012Validator, FormatChecker

repository = pathlib.Path(__file__).resolve().parents[2]
root = repository / "Schemas"
failures = 0


def validator(name):
    schema = json.loads((root / f"{name}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


for directory in sorted((root / "examples").iterdir()):
    check = validator(directory.name)
    for example in sorted([*directory.glob("*.json"), *directory.glob("*.yaml")]):
        document = yaml.safe_load(example.read_text()) if example.suffix == ".yaml" else json.loads(example.read_text())
        errors = list(check.iter_errors(document))
        expected_valid = example.name.startswith("valid-")
        if expected_valid == (not errors):
            print(f"ok: {directory.name}/{example.name}")
        else:
            failures += 1
            print(f"FAIL: {directory.name}/{example.name}: expected {'valid' if expected_valid else 'invalid'}"
                  + (f" ({errors[0].message})" if errors else ""), file=sys.stderr)

config = validator("config")
configs = []
for document in ("README.md", "docs/configuration.md"):
    blocks = [block.split("\n```")[0] for block in (repository / document).read_text().split("```yaml\n")[1:]]
    configs += [("%s example %d" % (document, n), block) for n, block in enumerate(blocks, 1) if block.startswith("# salience.yaml")]
configs.append(("Docker/salience.yaml", (repository / "Docker" / "salience.yaml").read_text()))
for name, text in configs:
    errors = list(config.iter_errors(yaml.safe_load(text)))
    if errors:
        failures += 1
        print(f"FAIL: {name}: {errors[0].message}", file=sys.stderr)
    else:
        print(f"ok: {name} against config")

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
