#!/usr/bin/env python3
"""Runs the README's walk-through, line by line, as a user would.

It takes the fenced ```sh block under "## Five-minute walk-through" and runs
each line in order in a fresh directory, with the built `salience` first on
PATH: `salience broker … &` starts in the background (and `kill %1` stops it);
`B=$(cat bootstrap.txt)` reads the address it wrote; `salience run` runs until
every imported event has its sample, is interrupted with Ctrl-C as the README
says and must exit 0; every other line must exit 0. Then it checks what the
walk-through promises: the samples topic and the replayed file hold one sample
per imported event, the same samples, and the checkpoint is readable.

When ../shared/data is absent the import line reads `--synthetic 20000` instead
of the Taobao file (and says so).

Usage: walkthrough_test.py PATH/TO/salience
"""
import json
import os
import pathlib
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

from kafka import KafkaConsumer, TopicPartition

from interop_checks import check

ROOT = pathlib.Path(__file__).resolve().parents[2]


def walkthrough_lines():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Five-minute walk-through", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def sample_records(bootstrap):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=(2, 5, 0), group_id=None,
                             auto_offset_reset="earliest", consumer_timeout_ms=5000)
    partitions = sorted(consumer.partitions_for_topic("samples") or [])
    consumer.assign([TopicPartition("samples", p) for p in partitions])
    records = {}
    for record in consumer:
        records[(record.partition, record.offset)] = record.value
    consumer.close()
    return [records[key] for key in sorted(records)]


def written(bootstrap):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=(2, 5, 0), group_id=None)
    partitions = [TopicPartition("samples", p) for p in sorted(consumer.partitions_for_topic("samples") or [])]
    total = sum(consumer.end_offsets(partitions).values())
    consumer.close()
    return total


def main():
    binary = pathlib.Path(sys.argv[1]).resolve()
    work = pathlib.Path(tempfile.mkdtemp(prefix="salience-walkthrough-"))
    environment = dict(os.environ, PATH=f"{binary.parent}:{os.environ['PATH']}")
    environment = {k: v for k, v in environment.items() if not k.startswith("SALIENCE_")}
    variables = {}
    background = []
    imported = None
    samples = None
    shared = ROOT.parent / "shared" / "data"

    def expand(line):
        for name, value in variables.items():
            line = line.replace(f'"${name}"', shlex.quote(value)).replace(f"${name}", shlex.quote(value))
        return line

    try:
        for line in walkthrough_lines():
            print(f"$ {line}")
            if line.startswith("export PATH="):
                continue  # PATH is set above, to this build's binary
            if match := re.fullmatch(r'(\w+)=\$\(cat (\S+)\)', line):
                path = work / match.group(2)
                deadline = time.time() + 30
                while not (path.exists() and path.read_text().strip()) and time.time() < deadline:
                    time.sleep(0.2)
                variables[match.group(1)] = path.read_text().strip()
                continue
            if line == "kill %1":
                samples = sample_records(variables["B"])  # read while the broker still runs
                background[0].send_signal(signal.SIGTERM)
                check(background[0].wait(30) == 0, "the broker stops on kill %1 (SIGTERM) with exit 0")
                continue
            command = expand(line)
            if " import " in f" {command}" and "../shared/data/" in command and not shared.exists():
                command = re.sub(r"\.\./shared/data/\S+", "--synthetic 20000 --format jsonl", command)
                print(f"  (no ../shared/data here: {command})")
            elif "../shared/data/" in command:
                command = command.replace("../shared/data/", f"{shared}/")
            if command.endswith("&"):
                # exec: the signals the walk-through sends reach salience, not a shell around it.
                background.append(subprocess.Popen("exec " + command[:-1], shell=True, cwd=work, env=environment,
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                continue
            if command.startswith("salience run "):
                log = open(work / "run.log", "w")
                process = subprocess.Popen("exec " + command, shell=True, cwd=work, env=environment, stdout=log, stderr=log)
                deadline = time.time() + 600
                while written(variables["B"]) < imported and time.time() < deadline:
                    time.sleep(1)
                if process.poll() is not None:
                    print((work / "run.log").read_text()[-3000:], file=sys.stderr)
                check(written(variables["B"]) == imported, f"salience run wrote a sample per imported event ({imported})")
                process.send_signal(signal.SIGINT)
                check(process.wait(120) == 0, "salience run stops on Ctrl-C with exit 0")
                continue
            result = subprocess.run(command, shell=True, cwd=work, env=environment, capture_output=True, text=True, timeout=600)
            print(result.stdout.rstrip())
            check(result.returncode == 0, f"exit 0: {line}\n{result.stderr[-2000:]}")
            if command.startswith("salience import "):
                imported = int(re.search(r"imported (\d+) events", result.stdout).group(1))
            if command.startswith("salience inspect samples "):
                check(len(result.stdout.splitlines()) == 6, "inspect samples printed a header and five samples")
    finally:
        for process in background:
            if process.poll() is None:
                process.kill()

    replayed = [json.loads(line) for line in (work / "replay.jsonl").read_text().splitlines()]
    check(len(replayed) == imported, f"the replay file holds a sample per imported event ({len(replayed)})")
    check(not (work / "replay.jsonl.partial").exists(), "no .partial file is left after a complete replay")
    check(samples is not None and len(samples) == imported, "the samples topic was read before the broker stopped")
    live = sorted(json.dumps(json.loads(value), sort_keys=True) for value in samples)
    check(live == sorted(json.dumps(sample, sort_keys=True) for sample in replayed), "the replayed samples are the live run's")


if __name__ == "__main__":
    main()
