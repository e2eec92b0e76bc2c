#!/usr/bin/env python3
"""What a new user meets, as whole processes: Ctrl-C, exit codes and error sentences.

Each check runs `salience` as a user would, in a fresh temporary directory, and
asserts the exit status, the summary and the files left behind:

- Ctrl-C (SIGINT) during `import` (to a topic and to a file) and during
  `replay --to-file`: the summary is printed, the exit status is 130, a file
  output keeps its `.partial` name and the final name does not exist, and the
  events reported delivered are in the topic;
- an unreachable broker is one sentence naming the address within seconds;
- `import` of an empty file or with the wrong `--format` exits 1 saying why;
  a header line is not counted as a row;
- unwritable outputs, missing files, an unwritable `--checkpoint-dir` and a
  taken `--http-port` are one sentence each, with no usage text and no
  Foundation error dump;
- `inspect samples` reads `.jsonl` and `.pb` files and reports a line that is
  not a sample;
- `--version` and `/metrics` name the librdkafka version;
- every option in every `--help` names its default (or says it is required);
- a second Ctrl-C exits at once; `salience run` on a terminal prints a
  progress line.

Usage: first_use_test.py PATH/TO/salience
"""
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from kafka import KafkaConsumer, TopicPartition

from interop_checks import check

DUMPS = ("NSCocoaErrorDomain", "Error Domain=", "UserInfo=", "KafkaError(", "Usage:")


def run(salience, *arguments, cwd, timeout=120):
    return subprocess.run([salience, *arguments], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def plain(result, *needles):
    """Exit 1 with one sentence naming every needle, and no dump or usage text."""
    text = result.stderr + result.stdout
    return result.returncode == 1 and all(n in text for n in needles) and not any(d in text for d in DUMPS)


def interrupt(salience, arguments, cwd, after_bytes_on_stderr=1, settle=1.0):
    """Starts salience, waits until it reports progress, sends SIGINT, returns (status, stdout, stderr)."""
    process = subprocess.Popen([salience, *arguments], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Progress lines (every 5 s off a terminal) show it is working; wait for the first.
    first = process.stderr.readline()
    time.sleep(settle)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, first + err


COMMANDS = ["demo", "run", "evaluate", "config check", "config print", "replay", "inspect checkpoint",
            "inspect samples", "import", "broker", "roundtrip", "bench"]


def options_without_default(salience, cwd):
    """Options (not flags) of every command whose help names no default."""
    missing = []
    for command in COMMANDS:
        text = run(salience, *command.split(), "--help", cwd=cwd).stdout.split("OPTIONS:")[-1]
        blocks = re.split(r"\n(?=  -)", text)
        for block in blocks:
            head = block.strip().split("\n")[0]
            if not head.startswith("-") or "<" not in head.split("  ")[0] or head.startswith("-h"):
                continue
            words = " ".join(block.split())
            if not any(marker in words for marker in ("default", "required")):
                missing.append(f"{command}: {words[:80]}")
    return missing


def watermarks(bootstrap, topic):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=(2, 5, 0), group_id=None)
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    ends = consumer.end_offsets(partitions)
    consumer.close()
    return sum(ends.values())


def main():
    salience = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="salience-first-use-")

    version = run(salience, "--version", cwd=work)
    check(version.returncode == 0 and "librdkafka" in version.stdout, f"--version names the librdkafka it runs on: {version.stdout.strip()}")

    missing_defaults = options_without_default(salience, work)
    check(not missing_defaults, f"every option's help names its default: {missing_defaults}")

    # Errors that are sentences, before any broker exists.
    missing = run(salience, "import", "no-such-file.csv", "--to-file", "out.jsonl", cwd=work)
    check(plain(missing, "no such file: no-such-file.csv"), "a missing input file is one sentence")
    unwritable = run(salience, "import", "--synthetic", "10", "--to-file", "/proc/no-such-dir/out.jsonl", cwd=work)
    check(plain(unwritable, "cannot write /proc/no-such-dir/out.jsonl"), "an unwritable --to-file is one sentence, not a usage error")
    config = run(salience, "run", "--config", "nope.yaml", cwd=work)
    check(config.returncode == 1 and "no such configuration file: nope.yaml" in config.stderr, "a missing --config file is one line")
    directory = run(salience, "run", "--checkpoint-dir", "/proc/nope", cwd=work)
    check(plain(directory, "checkpoint_directory /proc/nope", "--checkpoint-dir"), "an unwritable --checkpoint-dir fails at start-up naming it")
    started = time.time()
    unreachable = run(salience, "import", "--synthetic", "100", "--bootstrap", "127.0.0.1:1", cwd=work, timeout=60)
    check(plain(unreachable, "127.0.0.1:1") and time.time() - started < 30,
          f"an unreachable broker is one sentence naming the address, in {time.time() - started:.0f} s")

    # Files: empty, wrong format, header.
    open(os.path.join(work, "empty.csv"), "w").close()
    empty = run(salience, "import", "empty.csv", "--to-file", "empty.jsonl", cwd=work)
    check(plain(empty, "no event imported") and not os.path.exists(os.path.join(work, "empty.jsonl")),
          "an empty file exits 1 and leaves no output under the final name")
    with open(os.path.join(work, "taobao.csv"), "w") as file:
        file.write("user_id,item_id,category_id,behavior_type,timestamp\n1,2,3,pv,1511658000\n1,4,3,buy,1511658060\n2,2,3,cart,1511658120\n")
    good = run(salience, "import", "taobao.csv", "--to-file", "taobao.jsonl", cwd=work)
    check(good.returncode == 0 and "imported 3 events" in good.stdout and "from 3 rows; 0 bad rows" in good.stdout,
          f"the header line is recognised, not counted: {good.stdout.strip()}")
    check(sum(1 for _ in open(os.path.join(work, "taobao.jsonl"))) == 3, "the complete file has its final name")
    wrong = run(salience, "import", "taobao.csv", "--format", "rees46", "--to-file", "wrong.jsonl", cwd=work)
    check(plain(wrong, "no event imported", "--format taobao"), "the wrong --format exits 1 and names the format whose header the file has")
    with open(os.path.join(work, "mixed.csv"), "w") as file:
        file.write("1,2,3,pv,1511658000\n" * 90 + "1,2,3,teleport,1511658000\n" * 10)
    mixed = run(salience, "import", "mixed.csv", "--to-file", "mixed.jsonl", cwd=work)
    check(plain(mixed, "10 of 100 rows", "--max-bad-rows"), "bad rows above --max-bad-rows exit 1")
    tolerant = run(salience, "import", "mixed.csv", "--to-file", "mixed.jsonl", "--max-bad-rows", "0.2", cwd=work)
    check(tolerant.returncode == 0, "…and pass under a larger --max-bad-rows")

    # Ctrl-C during import to a file.
    status, out, err = interrupt(salience, ["import", "--synthetic", "20000000", "--to-file", "big.jsonl"], work)
    partial = os.path.join(work, "big.jsonl.partial")
    written = sum(1 for _ in open(partial)) if os.path.exists(partial) else -1
    check(status == 130 and out.startswith("interrupted: imported ") and "big.jsonl.partial" in out,
          f"Ctrl-C during import --to-file prints the summary and exits 130: {out.strip()}")
    check(not os.path.exists(os.path.join(work, "big.jsonl")) and f"imported {written} events" in out,
          f"the interrupted file keeps its .partial name and holds every event reported ({written})")

    broker = subprocess.Popen([salience, "broker", "--brokers", "1"], cwd=work, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        bootstrap = broker.stdout.readline().strip()

        # Ctrl-C during import to a topic: flushed, summarised, exit 130.
        status, out, err = interrupt(salience, ["import", "--synthetic", "20000000", "--bootstrap", bootstrap], work)
        delivered = int(out.split(" delivered")[0].rsplit(" ", 1)[1]) if " delivered" in out else -1
        check(status == 130 and out.startswith("interrupted: imported ") and ", 0 not delivered" in out,
              f"Ctrl-C during import flushes, prints the summary and exits 130: {out.strip()}")
        check(watermarks(bootstrap, "events") == delivered, f"the {delivered} events reported delivered are in the topic")

        # A second Ctrl-C exits at once, without waiting for the flush.
        process = subprocess.Popen([salience, "import", "--synthetic", "20000000", "--bootstrap", bootstrap, "--topic", "twice",
                                    "--kafka", "queue.buffering.max.ms=2000"], cwd=work, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        process.stderr.readline()
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        check(process.returncode == 130 and "exiting at once" in err and "imported" not in out,
              "a second Ctrl-C exits at once (130, no summary)")

        # Replay to a file, whole and interrupted; inspect both formats.
        whole = run(salience, "replay", "--bootstrap", bootstrap, "--to-file", "samples.jsonl", "--feature-bits", "16",
                    "--sketch-epsilon", "0.01", "--logq-bucket-bits", "12", "--until", "end", cwd=work, timeout=600)
        check(whole.returncode == 0 and os.path.exists(os.path.join(work, "samples.jsonl")), "a complete replay has its final name")
        status, out, err = interrupt(salience, ["replay", "--bootstrap", bootstrap, "--to-file", "samples.pb", "--feature-bits", "16",
                                                "--sketch-epsilon", "0.01", "--logq-bucket-bits", "12"], work)
        check(status == 130 and out.startswith("interrupted: replayed ") and os.path.exists(os.path.join(work, "samples.pb.partial"))
              and not os.path.exists(os.path.join(work, "samples.pb")),
              f"Ctrl-C during replay --to-file exits 130 and leaves only samples.pb.partial: {out.strip()}")
        os.rename(os.path.join(work, "samples.pb.partial"), os.path.join(work, "samples.pb"))
        jsonl = run(salience, "inspect", "samples", "samples.jsonl", "--limit", "5", cwd=work)
        pb = run(salience, "inspect", "samples", "samples.pb", "--limit", "5", cwd=work)
        check(jsonl.returncode == 0 and pb.returncode == 0 and jsonl.stdout == pb.stdout and len(pb.stdout.splitlines()) == 6,
              "inspect samples prints the same table from .jsonl and .pb")
        header, first = pb.stdout.splitlines()[0:2]
        check(header.index("weight") + len("weight") == first.index(first.split()[4]) + len(first.split()[4]),
              "the table's number columns are aligned under their headers")
        with open(os.path.join(work, "samples.jsonl")) as source, open(os.path.join(work, "broken.jsonl"), "w") as broken:
            broken.write(source.readline() + "not a sample\n" + source.readline())
        bad = run(salience, "inspect", "samples", "broken.jsonl", cwd=work)
        check(bad.returncode == 1 and "line 2" in bad.stderr and len(bad.stdout.splitlines()) == 3,
              "inspect samples reports the line it could not read and exits 1")

        # A taken port names itself; /metrics names the build.
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = run(salience, "run", "--bootstrap", bootstrap, "--http-port", str(port), cwd=work, timeout=60)
        taken.close()
        check(plain(busy, f"127.0.0.1:{port}", "--http-port"), "a taken --http-port is one sentence naming the port and the flag")
        process = subprocess.Popen([salience, "run", "--bootstrap", bootstrap, "--http-port", str(port), "--group", "first-use",
                                    "--feature-bits", "16", "--sketch-epsilon", "0.01", "--logq-bucket-bits", "12"],
                                   cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        metrics = ""
        deadline = time.time() + 60
        while "salience_build_info" not in metrics and time.time() < deadline:
            try:
                metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
            except OSError:
                time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        process.wait(120)
        check('salience_build_info{' in metrics and 'librdkafka="' in metrics, "/metrics carries salience_build_info with the librdkafka version")
        # On a terminal, run prints a progress line every few seconds.
        leader, follower = pty.openpty()
        process = subprocess.Popen([salience, "run", "--bootstrap", bootstrap, "--http-port", "0", "--group", "first-use-tty",
                                    "--feature-bits", "16", "--sketch-epsilon", "0.01", "--logq-bucket-bits", "12", "--log-level", "error"],
                                   cwd=work, stdout=subprocess.DEVNULL, stderr=follower)
        os.close(follower)
        seen = b""
        deadline = time.time() + 30
        while b"salience run: " not in seen and time.time() < deadline:
            if select.select([leader], [], [], 1)[0]:
                seen += os.read(leader, 4096)
        process.send_signal(signal.SIGINT)
        process.wait(120)
        os.close(leader)
        line = next((l for l in seen.decode(errors="replace").splitlines() if l.startswith("salience run: ")), "")
        check(re.search(r"salience run: \d+ events \(\d+/s\), lag \S+, \d+ samples, \d+ dead letters, \d+ partitions", line) is not None,
              f"run prints a progress line on a terminal: {line}")
    finally:
        broker.send_signal(signal.SIGTERM)
        broker.wait(30)


if __name__ == "__main__":
    main()
