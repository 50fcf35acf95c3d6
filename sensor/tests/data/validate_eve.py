"""Validates EVE records (JSON lines on stdin) against Suricata's EVE schema (argv[1]).

Prints one line per invalid record (its index, event type and the first error) and
"checked N" at the end; exits 1 when any record is invalid, 2 when jsonschema is missing.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3 has no jsonschema module (pip install jsonschema)")
    sys.exit(2)

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft7Validator(schema)
bad = 0
n = 0
for i, line in enumerate(sys.stdin):
    line = line.strip()
    if not line:
        continue
    n += 1
    record = json.loads(line)
    errors = sorted(validator.iter_errors(record), key=lambda e: list(e.path))
    if errors:
        bad += 1
        if bad <= 20:
            where = "/".join(str(p) for p in errors[0].absolute_path)
            print(f"record {i} ({record.get('event_type')}): {where}: {errors[0].message[:300]}")
print(f"checked {n}")
sys.exit(1 if bad else 0)
