"""What the interop scripts share: one line per check, exit 1 on the first failure."""
import sys


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {message}")
