#!/usr/bin/env python3
"""The example trainer (Examples/trainer) against a real `salience run`.

Starts `salience broker`, imports a generated stream, runs `salience run` until
every sample is written, stops it, then runs the trainer to the end of the
samples topic and checks that it trained on every sample, used their weights
(its model differs from an unweighted run and matches a reference computed
here from the same samples), and warm-starts from Salience's model export.

Usage: trainer_test.py PATH/TO/salience
"""
import glob
import json
import math
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from kafka import KafkaConsumer, TopicPartition

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Examples" / "trainer"))
from salience_features import FeatureSpec, identity, mix  # noqa: E402

from interop_checks import check, stop  # noqa: E402

EVENTS = 3000
PARTITIONS = 4


def samples_written(bootstrap):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=(2, 5, 0), group_id=None)
    partitions = [TopicPartition("samples", p) for p in range(PARTITIONS)]
    total = sum(consumer.end_offsets(partitions).values())
    consumer.close()
    return total


def reference(samples, weighted, learning_rate=0.05, l2=1e-4):
    """scikit-learn's plain SGD step written out again, as its documentation and
    sources give it (constant rate, L2, no intercept, samples in order): predict
    with the current weights, scale every weight by (1 - lr * l2), add
    -lr * weight * (p - y) * x. Kept as weights w = scale * v, so the L2 shrink
    of all 2^bits weights is one multiplication per sample."""
    spec = FeatureSpec.default()
    v = {}
    scale = 1.0
    for sample in samples:
        counts = {}
        for index in spec.indices(sample):
            counts[index] = counts.get(index, 0) + 1
        z = scale * sum(v.get(i, 0.0) * c for i, c in counts.items())
        p = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
        weight = sample["weight"] if weighted else 1.0
        update = -learning_rate * weight * (p - sample["label"])
        scale *= 1 - learning_rate * l2
        for i, c in counts.items():
            v[i] = v.get(i, 0.0) + update * c / scale
    return {i: scale * value for i, value in v.items()}


def train(bootstrap, output, *extra):
    subprocess.run([sys.executable, str(ROOT / "Examples" / "trainer" / "trainer.py"), "--bootstrap", bootstrap,
                    "--topic", "samples", "--output", output, *extra], check=True)
    with open(output) as file:
        return json.load(file)


def main():
    salience = sys.argv[1]
    golden = json.loads((ROOT / "Examples" / "trainer" / "golden_features.json").read_text())
    check(all(identity(v["id"]) == int(v["hash"]) for v in golden["identity"])
          and all(mix(int(v["value"]), int(v["seed"])) == int(v["hash"]) for v in golden["mix"]),
          "salience_features.py's identity hash and mixer give the golden vectors")
    check(FeatureSpec.default().indices(golden["sample"]) == golden["indices"],
          "salience_features.py hashes the golden sample to Salience's indices")
    work = tempfile.mkdtemp(prefix="salience-trainer-")
    topics = ["events", "samples", "dead-letters"]
    broker = subprocess.Popen(
        [salience, "broker", "--brokers", "1"] + [arg for t in topics for arg in ("--topic", f"{t}:{PARTITIONS}")]
        + ["--topic", "salience-checkpoints:1", "--topic", "salience-models:1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    run = None
    try:
        bootstrap = broker.stdout.readline().strip()
        subprocess.run([salience, "import", "--synthetic", str(EVENTS), "--format", "jsonl", "--topic", "events",
                        "--bootstrap", bootstrap], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        checkpoints = os.path.join(work, "checkpoints")
        run = subprocess.Popen(
            [salience, "run", "--bootstrap", bootstrap, "--group", "trainer-" + uuid.uuid4().hex[:8],
             "--checkpoint-dir", checkpoints, "--http-port", "0", "--session-timeout-ms", "6000",
             "--feature-bits", "16", "--sketch-epsilon", "0.01", "--logq-bucket-bits", "12", "--log-level", "warning"],
        )
        deadline = time.time() + 120
        while samples_written(bootstrap) < EVENTS and time.time() < deadline:
            time.sleep(0.5)
        check(samples_written(bootstrap) == EVENTS, f"salience run wrote {EVENTS} samples")
        run.send_signal(signal.SIGTERM)
        check(run.wait(60) == 0, "salience run stopped cleanly on SIGTERM")

        # The samples, read independently of the trainer.
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=(2, 5, 0), group_id=None,
                                 auto_offset_reset="earliest", consumer_timeout_ms=3000)
        consumer.assign([TopicPartition("samples", p) for p in range(PARTITIONS)])
        records = sorted(consumer, key=lambda r: (r.partition, r.offset))
        consumer.close()
        samples = [json.loads(r.value) for r in records]
        check(len(samples) == EVENTS, f"read back {EVENTS} samples")
        check(len({s["weight"] for s in samples}) > 100, "the samples carry many different weights")

        weighted = train(bootstrap, os.path.join(work, "weighted.json"))
        unweighted = train(bootstrap, os.path.join(work, "unweighted.json"), "--unweighted")
        check(weighted["samples"] == EVENTS, "the trainer trained on every sample")
        check(abs(weighted["weight_sum"] - sum(s["weight"] for s in samples)) < 1e-6 * weighted["weight_sum"],
              "the trainer saw the samples' weights (same sum)")
        expected = reference(samples, weighted=True)
        got = {int(k): v for k, v in weighted["weights"].items()}
        check(weighted["library"].startswith("scikit-learn "), f"the trainer trained with {weighted['library']}")
        gap = max(abs(got.get(k, 0.0) - expected[k]) for k in expected)
        check(set(got) == {k for k, w in expected.items() if w != 0} and gap < 1e-9,
              f"the weighted model matches the reference computed from the same samples ({len(expected)} weights, max |Δw| {gap:.1e})")
        differs = max(abs(got[int(k)] - v) for k, v in unweighted["weights"].items())
        check(differs > 1e-3, f"the weighted model differs from an unweighted run (max |Δw| = {differs:.4f})")
        unweighted_reference = reference(samples, weighted=False)
        check(max(abs(unweighted_reference[int(k)] - v) for k, v in unweighted["weights"].items()) < 1e-9
              and len(unweighted["weights"]) == len(unweighted_reference),
              "the unweighted run matches its reference too")

        exports = sorted(glob.glob(os.path.join(checkpoints, "**", "*.model.json"), recursive=True))
        check(len(exports) == PARTITIONS, f"salience run exported {PARTITIONS} models to --checkpoint-dir")
        with open(exports[0]) as file:
            export = json.load(file)
        warm = train(bootstrap, os.path.join(work, "warm.json"), "--warm-start", exports[0], "--epochs", "0")
        exported = {str(i): w for i, w in zip(export["indices"], export["weights"])}
        check(warm["weights"] == exported and warm["feature_bits"] == 16,
              f"a warm start begins from the exported model ({len(exported)} non-zero weights)")
    finally:
        stop(run, broker)


if __name__ == "__main__":
    main()
