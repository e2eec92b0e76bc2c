#!/usr/bin/env python3
"""Salience's protobuf samples against the official protobuf runtime, both ways.

Compiles Schemas/weighted_sample.proto with protoc (Debian's protobuf-compiler)
and, with Python's `protobuf` package:

1. Salience → runtime: `salience run --set output.format=protobuf` on the
   embedded broker; every record of the samples topic parses as a
   `salience.v1.WeightedSample`, serialises back to the very same bytes
   (Salience writes proto3's canonical form), carries the format header, and
   holds the same values as the JSON samples `salience replay` makes of the same
   input (same estimator, so the same samples).
2. runtime → Salience: messages built by the runtime, written length-delimited
   to a `.pb` file, are read by `salience inspect samples` with their values.

Usage: protobuf_conformance.py PATH/TO/salience
"""
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from kafka import KafkaConsumer, TopicPartition

from interop_checks import check, stop

ROOT = pathlib.Path(__file__).resolve().parents[2]
EVENTS = 2000
PARTITIONS = 4
SMALL = ["--feature-bits", "16", "--sketch-epsilon", "0.01", "--logq-bucket-bits", "12"]


def compiled_module(work):
    subprocess.run(["protoc", f"-I{ROOT / 'Schemas'}", f"--python_out={work}", "weighted_sample.proto"], check=True)
    sys.path.insert(0, str(work))
    import weighted_sample_pb2  # noqa: E402
    return weighted_sample_pb2


def samples(bootstrap):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=(2, 5, 0), group_id=None,
                             auto_offset_reset="earliest", consumer_timeout_ms=5000)
    consumer.assign([TopicPartition("samples", p) for p in range(PARTITIONS)])
    records = {}
    for record in consumer:
        records[(record.partition, record.offset)] = record
    consumer.close()
    return [records[key] for key in sorted(records)]


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def main():
    salience = sys.argv[1]
    work = pathlib.Path(tempfile.mkdtemp(prefix="salience-protobuf-"))
    pb = compiled_module(work)
    topics = ["events", "samples", "dead-letters", "salience-checkpoints", "salience-models"]
    broker = subprocess.Popen([salience, "broker", "--brokers", "1"] + [a for t in topics for a in ("--topic", f"{t}:{PARTITIONS}")],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    run = None
    try:
        bootstrap = broker.stdout.readline().strip()
        subprocess.run([salience, "import", "--synthetic", str(EVENTS), "--bootstrap", bootstrap], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run = subprocess.Popen([salience, "run", "--bootstrap", bootstrap, "--group", "pb-" + uuid.uuid4().hex[:8], "--http-port", "0",
                                "--set", "output.format=protobuf", "--log-level", "warning"] + SMALL)
        deadline = time.time() + 180
        while len(samples(bootstrap)) < EVENTS and time.time() < deadline:
            time.sleep(1)
        run.send_signal(signal.SIGINT)
        check(run.wait(120) == 0, "salience run with output.format=protobuf stopped cleanly")
        records = samples(bootstrap)
        check(len(records) == EVENTS, f"{EVENTS} protobuf samples written")
        headers = {dict(r.headers).get("salience.sample.format") for r in records}
        check(headers == {b"protobuf;v=1;message=salience.v1.WeightedSample"}, f"every record names its format: {headers}")
        parsed = [pb.WeightedSample.FromString(r.value) for r in records]
        check(all(m.SerializeToString() == r.value for m, r in zip(parsed, records)),
              "every record parses with the official runtime and serialises back to the same bytes")
        check(all(m.source.offset == int(dict(r.headers)["salience.source.offset"]) for m, r in zip(parsed, records)),
              "each message's source offset is its record's header")

        replay = subprocess.run([salience, "replay", "--bootstrap", bootstrap, "--to-file", str(work / "replay.jsonl")] + SMALL,
                                capture_output=True, text=True)
        check(replay.returncode == 0, "salience replay of the same input to JSON")
        by_id = {s["event_id"]: s for s in map(json.loads, (work / "replay.jsonl").read_text().splitlines())}
        names = pb.BehaviorType.Name
        mismatches = 0
        for message in parsed:
            sample = by_id.get(message.event_id)
            same = sample is not None and (
                sample["user_id"], sample["item_id"], sample["type"], sample["ts"], sample["label"], sample["weight"],
                sample["objective"]["expert"], sample["sampling"]["keep_probability"], sample["model_score"], sample["log_q"],
            ) == (
                message.user_id, message.item_id, names(message.type).lower(), message.ts, message.label, message.weight,
                message.objective.expert, message.sampling.keep_probability, message.model_score, message.log_q,
            )
            mismatches += 0 if same else 1
        check(mismatches == 0 and len(by_id) == EVENTS, f"the protobuf samples hold the JSON samples' values ({len(parsed)} compared)")

        # The example trainer reads them too.
        trainer = subprocess.run([sys.executable, str(ROOT / "Examples" / "trainer" / "trainer.py"), "--bootstrap", bootstrap,
                                  "--topic", "samples", "--output", str(work / "model.json")],
                                 env=dict(os.environ, PYTHONPATH=str(work)), capture_output=True, text=True)
        model = json.loads((work / "model.json").read_text()) if trainer.returncode == 0 else {}
        check(model.get("samples") == EVENTS and abs(model["weight_sum"] - sum(m.weight for m in parsed)) < 1e-6 * model["weight_sum"],
              f"the example trainer trains on the protobuf samples with their weights {trainer.stderr[-500:]}")
    finally:
        stop(run, broker)

    # The runtime writes, Salience reads.
    written = []
    with open(work / "runtime.pb", "wb") as file:
        for index in range(3):
            message = pb.WeightedSample(event_id=f"e{index}", user_id=f"user{index}", item_id=f"item{index}", type=pb.PURCHASE,
                                        ts=1_700_000_000_000 + index, label=1, weight=2.5 + index)
            message.objective.weight = 2.5 + index
            message.objective.expert = 5.0
            message.sampling.weight = 1.0
            message.model_score = 0.25
            data = message.SerializeToString()
            file.write(varint(len(data)) + data)
            written.append(message)
    table = subprocess.run([salience, "inspect", "samples", str(work / "runtime.pb")], capture_output=True, text=True)
    rows = [line.split() for line in table.stdout.splitlines()[1:]]
    check(table.returncode == 0 and [(r[0], r[1], r[2], r[3], r[4], r[6]) for r in rows]
          == [("purchase", f"user{i}", f"item{i}", "1", f"{2.5 + i:.4f}", "5.000") for i in range(3)],
          "salience inspect samples reads messages the official runtime wrote")


if __name__ == "__main__":
    main()
