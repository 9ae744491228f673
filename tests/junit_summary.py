#!/usr/bin/env python3
"""Adds up the JUnit XML files of every suite and prints the closing line
"N passed, N failed" (", N skipped" when some tests could not run).
Exits non-zero when anything failed or when no test ran at all."""
import pathlib
import sys
import xml.etree.ElementTree as ET


def count(path):
    passed = failed = skipped = 0
    failures = []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return 0, 1, 0, [f"{path.name}: unreadable results ({e})"]
    for case in root.iter("testcase"):
        name = f"{case.get('classname', '')}.{case.get('name', '')}".strip(".")
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            failures.append(f"{path.stem}: {name}")
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped, failures


def main():
    folder = pathlib.Path(sys.argv[1])
    totals = [0, 0, 0]
    all_failures = []
    for path in sorted(folder.glob("*.xml")):
        p, f, s, fails = count(path)
        totals[0] += p
        totals[1] += f
        totals[2] += s
        all_failures += fails
    for line in all_failures:
        print(f"FAILED {line}")
    line = f"{totals[0]} passed, {totals[1]} failed"
    if totals[2]:
        line += f", {totals[2]} skipped"
    print(line)
    return 1 if totals[1] or totals[0] == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
