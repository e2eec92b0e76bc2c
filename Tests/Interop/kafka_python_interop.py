#!/usr/bin/env python3
"""Interop: kafka-python (an independent implementation of the Kafka protocol)
against `salience broker`, and against messages Salience itself produced
(`round_trip` also runs against Tansu in tansu_test.py).

Usage: kafka_python_interop.py PATH/TO/salience
Exits non-zero with a message on the first failed check.
"""
import json
import signal
import subprocess
import sys
import time
import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from interop_checks import check

COUNT = 500


def consume(consumer, want, timeout_s=30):
    records = []
    deadline = time.time() + timeout_s
    while len(records) < want and time.time() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            records.extend(batch)
    return records


def read_as_group_member(bootstrap, topic):
    """A kafka-python group member reads back the messages kafka-python wrote
    and commits its offsets."""
    group = "interop-group-" + uuid.uuid4().hex[:8]
    member = KafkaConsumer(topic, bootstrap_servers=bootstrap, api_version=(2, 5, 0), group_id=group,
                           auto_offset_reset="earliest", enable_auto_commit=False,
                           session_timeout_ms=6000, heartbeat_interval_ms=500)
    records = consume(member, COUNT)
    check(len(records) == COUNT, f"kafka-python group member read back all {COUNT} of its own messages")
    check(len(member.assignment()) == 3, "the group member was assigned all 3 partitions")
    check(sorted(int(r.value.decode().split("-")[1]) for r in records) == list(range(COUNT)),
          "every value exactly once")
    check(all(dict(r.headers).get("producer") == b"kafka-python" for r in records), "headers survive")
    member.commit()
    committed = sum(member.committed(TopicPartition(topic, p)) or 0 for p in range(3))
    check(committed == COUNT, "group offsets committed through the broker")
    member.close()


def round_trip(salience, bootstrap, topic, env=None, group_member=True):
    """kafka-python and `salience roundtrip` write and read `topic` (3
    partitions) on the broker at `bootstrap`, each reading the other's
    messages: values, keys, headers and (with `group_member`) a kafka-python
    consumer group and its offsets."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=(2, 5, 0), acks="all")
    for i in range(COUNT):
        producer.send(topic, key=f"py-user-{i % 50}".encode(), value=f"python-{i}".encode(),
                      headers=[("producer", b"kafka-python"), ("seq", str(i).encode())])
    producer.flush(30)
    producer.close()

    if group_member:
        read_as_group_member(bootstrap, topic)

    result = subprocess.run([salience, "roundtrip", "--bootstrap", bootstrap, "--topic", topic,
                             "--count", str(COUNT)], capture_output=True, text=True, timeout=120, env=env)
    check(result.returncode == 0, f"salience roundtrip succeeded ({result.stderr.strip()[-300:]})")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    check(summary["consumed_other"] == COUNT, f"Salience read all {COUNT} messages kafka-python produced")
    check(summary["consumed_salience"] == COUNT, "Salience read back its own messages")

    reader = KafkaConsumer(bootstrap_servers=bootstrap, api_version=(2, 5, 0), group_id=None,
                           auto_offset_reset="earliest", enable_auto_commit=False)
    reader.assign([TopicPartition(topic, p) for p in range(3)])
    everything = consume(reader, 2 * COUNT)
    ours = [r for r in everything if dict(r.headers).get("producer") == b"salience"]
    check(len(everything) == 2 * COUNT, "kafka-python read the whole topic")
    check(len(ours) == COUNT, "kafka-python read every message Salience produced")
    check(all(r.value.decode() == f"salience-{int(dict(r.headers)['seq'])}" for r in ours),
          "Salience's values and headers decode as sent")
    check(all(r.key.decode() == f"user-{int(dict(r.headers)['seq']) % 100}" for r in ours), "Salience's keys decode")
    reader.close()


def main():
    salience = sys.argv[1]
    topic = "interop-" + uuid.uuid4().hex[:8]
    broker = subprocess.Popen(
        [salience, "broker", "--brokers", "3", "--topic", f"{topic}:3"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        bootstrap = broker.stdout.readline().strip()
        check(bootstrap.count(":") >= 3, f"salience broker printed bootstrap servers {bootstrap}")

        round_trip(salience, bootstrap, topic)
    finally:
        broker.send_signal(signal.SIGTERM)
        code = broker.wait(timeout=30)
    check(code == 0, "salience broker exited 0 on SIGTERM")


if __name__ == "__main__":
    main()
