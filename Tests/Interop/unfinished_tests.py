#!/usr/bin/env python3
"""Lists the tests a `swift test` log shows started and never passed or
failed: what a hung test process was running when it was stopped."""
import re
import sys

started, ended = [], set()
with open(sys.argv[1], errors="replace") as log:
    for line in log:
        if (match := re.search(r"◇ Test (.+?) started\.", line)):
            started.append(match.group(1))
        elif (match := re.search(r"[✔✘] Test (.+?)(?: with \d+ test cases?)? (?:passed|failed)", line)):
            ended.add(match.group(1))
unfinished = [name for name in dict.fromkeys(started) if name not in ended]
for name in unfinished:
    print(f"    {name}")
if not unfinished:
    print("    (none: the process hung outside a test)")
