#!/usr/bin/env python3
"""A trainer that consumes Salience's weighted samples.

It reads a samples topic to its end with read_committed isolation (so a
transactional `salience run` never feeds it an aborted sample), trains a
logistic model incrementally with each sample's weight, and writes the model
as JSON. It can warm-start from a model Salience exported
(`salience.model.v1`, from the models topic or `--checkpoint-dir`).

    python3 trainer.py --bootstrap HOST:PORT --topic samples --output model.json
        [--warm-start partition.model.json] [--unweighted] [--learning-rate 0.05] [--l2 1e-4] [--epochs 1]

Training is plain stochastic gradient descent on the weighted log-loss,
`w_i -= lr * (weight * (p - y) + l2 * w_i)` for each active feature `i`, over
samples in (partition, offset) order, so a run is reproducible.
"""
import argparse
import json
import math
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from salience_features import FeatureSpec


def read_samples(bootstrap, topic, timeout_s=60):
    """Every committed sample of the topic, in (partition, offset) order."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": "salience-trainer", "enable.auto.commit": False,
        "isolation.level": "read_committed", "enable.partition.eof": True,
    })
    metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
    if metadata is None or metadata.error is not None or not metadata.partitions:
        raise SystemExit(f"topic {topic} not found")
    partitions = sorted(metadata.partitions)
    # read_committed: the high watermark a consumer sees is the last stable offset.
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    by_partition = {p: [] for p in partitions}
    finished = {p for p in partitions if ends[p] == 0}
    deadline = time.time() + timeout_s
    while len(finished) < len(partitions):
        if time.time() > deadline:
            raise SystemExit("timed out before the end of the topic")
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            if message.error().code() == KafkaError._PARTITION_EOF:
                finished.add(message.partition())
                continue
            raise SystemExit(f"consuming {topic}: {message.error()}")
        by_partition[message.partition()].append((message.offset(), json.loads(message.value())))
        if message.offset() + 1 >= ends[message.partition()]:
            finished.add(message.partition())
    consumer.close()
    return [sample for p in partitions for _, sample in sorted(by_partition[p], key=lambda r: r[0])]


def sigmoid(x):
    return 1 / (1 + math.exp(-max(-35.0, min(35.0, x))))


class LogisticModel:
    def __init__(self, spec, learning_rate=0.05, l2=1e-4, weights=None):
        self.spec = spec
        self.learning_rate = learning_rate
        self.l2 = l2
        self.weights = dict(weights or {})

    @classmethod
    def warm_started(cls, export, **options):
        return cls(FeatureSpec.from_export(export), weights=dict(zip(export["indices"], export["weights"])), **options)

    def predict(self, indices):
        return sigmoid(sum(self.weights.get(i, 0.0) for i in indices))

    def step(self, sample, weight):
        indices = self.spec.indices(sample)
        error = self.predict(indices) - sample["label"]
        for i in indices:
            w = self.weights.get(i, 0.0)
            self.weights[i] = w - self.learning_rate * (weight * error + self.l2 * w)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default="samples")
    parser.add_argument("--output", required=True, help="where the trained model goes (JSON)")
    parser.add_argument("--warm-start", help="a salience.model.v1 export to start from")
    parser.add_argument("--unweighted", action="store_true", help="ignore the sample weights (for comparison)")
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=1, help="passes over the samples; 0 writes the starting model")
    args = parser.parse_args(argv)

    options = {"learning_rate": args.learning_rate, "l2": args.l2}
    if args.warm_start:
        with open(args.warm_start) as file:
            export = json.load(file)
        if export.get("format") != "salience.model.v1":
            raise SystemExit(f"{args.warm_start}: not a salience.model.v1 export")
        model = LogisticModel.warm_started(export, **options)
    else:
        model = LogisticModel(FeatureSpec.default(), **options)

    samples = read_samples(args.bootstrap, args.topic)
    for _ in range(args.epochs):
        for sample in samples:
            weight = 1.0 if args.unweighted else sample["weight"]
            model.step(sample, weight)
    weight_sum = sum(sample["weight"] for sample in samples)
    loss = sum(-math.log(max(1e-15, p if s["label"] else 1 - p))
               for s in samples for p in [model.predict(model.spec.indices(s))]) / max(1, len(samples))
    result = {
        "samples": len(samples),
        "weight_sum": weight_sum,
        "weighted": not args.unweighted,
        "epochs": args.epochs,
        "training_log_loss": loss,
        "feature_bits": model.spec.bits,
        "weights": {str(i): w for i, w in sorted(model.weights.items())},
    }
    with open(args.output, "w") as file:
        json.dump(result, file)
    print(f"trained on {len(samples)} samples (weight sum {weight_sum:.1f}), "
          f"training log-loss {loss:.4f}, {len(model.weights)} weights -> {args.output}")


if __name__ == "__main__":
    sys.exit(main())
