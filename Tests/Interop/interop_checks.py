"""What the interop scripts share: one line per check, exit 1 on the first failure; stopping their children."""
import signal
import sys


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {message}")


def stop(run, broker):
    """Kills a `salience run` still going (a failed check left it), then stops the broker cleanly."""
    if run and run.poll() is None:
        run.kill()
    broker.send_signal(signal.SIGTERM)
    broker.wait(30)
