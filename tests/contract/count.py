"""Prints `N passed, N failed` from a schemathesis NDJSON report (every case, not only the
first of each unique failure, which is all the JSON report counts), and the failures."""
import json
import sys

passed = failed = skipped = 0
failures = {}
with open(sys.argv[1]) as f:
    for line in f:
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        rec = finished.get("recorder") or {}
        cases = rec.get("cases", {})
        for case_id, checks in rec.get("checks", {}).items():
            statuses = [c.get("status") for c in checks]
            if not checks:
                skipped += 1
            elif "failure" in statuses or "error" in statuses:
                failed += 1
                case = (cases.get(case_id) or {}).get("value") or {}
                for c in checks:
                    if c.get("status") != "success":
                        key = (c.get("name"), case.get("method"), case.get("path"))
                        failures[key] = failures.get(key, 0) + 1
            else:
                passed += 1
for (name, method, path), n in sorted(failures.items(), key=lambda kv: -kv[1]):
    print(f"  {n:5d}  {name}: {method} {path}")
print(f"{passed} passed, {failed} failed ({skipped} probes without checks)")
sys.exit(1 if failed else 0)
