#!/usr/bin/env python3
"""A trainer that consumes Salience's weighted samples, with scikit-learn.

It reads a samples topic to its end with read_committed isolation (so a
transactional `salience run` never feeds it an aborted sample), turns each
sample into Salience's hashed features (a sparse row of a SciPy CSR matrix,
see salience_features.py), trains scikit-learn's `SGDClassifier(loss="log_loss")`
with each sample's weight as `sample_weight`, and writes the model as JSON. It
can warm-start from a model Salience exported (`salience.model.v2`, from the
models topic or `--checkpoint-dir`). Samples may be JSON or protobuf
(`output.format`), as each record's `salience.sample.format` header says; for
protobuf, generate the message module next to this file first:
`protoc -I Schemas --python_out=Examples/trainer Schemas/weighted_sample.proto`.

    python3 trainer.py --bootstrap HOST:PORT --topic samples --output model.json
        [--warm-start partition.model.json] [--unweighted] [--learning-rate 0.05] [--l2 1e-4] [--epochs 1]

The classifier runs with a constant learning rate, L2 penalty `--l2`, no
intercept (the hashed bias feature is one), and no shuffling: samples are seen
in (partition, offset) order, so a run is reproducible. Per sample it takes
scikit-learn's plain SGD step: predict with the current weights, scale every
weight by (1 - lr * l2), then add -lr * weight * (p - y) * x.
"""
import argparse
import json
import sys
import time
import warnings

import numpy
import sklearn
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from scipy.sparse import csr_matrix
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier

from salience_features import FeatureSpec


def decode(message):
    """A sample record as the dict the trainer uses, JSON or protobuf by its format header."""
    format_header = dict(message.headers() or []).get("salience.sample.format", b"json")
    if not format_header.startswith(b"protobuf;"):
        return json.loads(message.value())
    try:
        from weighted_sample_pb2 import WeightedSample
    except ImportError:
        raise SystemExit("the samples are protobuf: generate their module first with "
                         "`protoc -I Schemas --python_out=Examples/trainer Schemas/weighted_sample.proto`")
    sample = WeightedSample.FromString(message.value())
    return {"event_id": sample.event_id, "user_id": sample.user_id, "item_id": sample.item_id, "ts": sample.ts,
            "label": sample.label, "weight": sample.weight}


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
        by_partition[message.partition()].append((message.offset(), decode(message)))
        if message.offset() + 1 >= ends[message.partition()]:
            finished.add(message.partition())
    consumer.close()
    return [sample for p in partitions for _, sample in sorted(by_partition[p], key=lambda r: r[0])]


def features(spec, samples):
    """The samples' hashed features as a CSR matrix (a feature hashed twice counts twice)."""
    rows, columns = [], []
    for row, sample in enumerate(samples):
        for index in spec.indices(sample):
            rows.append(row)
            columns.append(index)
    return csr_matrix((numpy.ones(len(rows)), (rows, columns)), shape=(len(samples), 1 << spec.bits))


def classifier(learning_rate, l2, epochs):
    return SGDClassifier(loss="log_loss", penalty="l2", alpha=l2, learning_rate="constant", eta0=learning_rate,
                         fit_intercept=False, shuffle=False, max_iter=max(1, epochs), tol=None, random_state=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default="samples")
    parser.add_argument("--output", required=True, help="where the trained model goes (JSON)")
    parser.add_argument("--warm-start", help="a salience.model.v2 export to start from")
    parser.add_argument("--unweighted", action="store_true", help="ignore the sample weights (for comparison)")
    parser.add_argument("--learning-rate", type=float, default=0.05)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--epochs", type=int, default=1, help="passes over the samples; 0 writes the starting model")
    args = parser.parse_args(argv)

    coef = None
    if args.warm_start:
        with open(args.warm_start) as file:
            export = json.load(file)
        if export.get("format") != "salience.model.v2":
            raise SystemExit(f"{args.warm_start}: not a salience.model.v2 export (v1 hashed features another way: "
                             "export the model again with this Salience)")
        spec = FeatureSpec.from_export(export)
        coef = numpy.zeros(1 << spec.bits)
        coef[export["indices"]] = export["weights"]
    else:
        spec = FeatureSpec.default()

    samples = read_samples(args.bootstrap, args.topic)
    x = features(spec, samples)
    y = numpy.array([sample["label"] for sample in samples])
    weights = numpy.ones(len(samples)) if args.unweighted else numpy.array([sample["weight"] for sample in samples])
    if args.epochs > 0:
        model = classifier(args.learning_rate, args.l2, args.epochs)
        if len(set(y)) < 2:
            raise SystemExit("the samples hold one label only; a classifier needs both")
        with warnings.catch_warnings():
            # --epochs is the number of passes asked for, not a convergence criterion.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, y, coef_init=coef, sample_weight=weights)
        coef = model.coef_[0]
    elif coef is None:
        coef = numpy.zeros(1 << spec.bits)
    predictions = 1 / (1 + numpy.exp(-numpy.clip(x @ coef, -35, 35)))
    loss = float(-numpy.mean(numpy.log(numpy.maximum(1e-15, numpy.where(y == 1, predictions, 1 - predictions))))) if len(y) else 0.0
    weight_sum = sum(sample["weight"] for sample in samples)
    nonzero = numpy.flatnonzero(coef)
    result = {
        "samples": len(samples),
        "weight_sum": weight_sum,
        "weighted": not args.unweighted,
        "epochs": args.epochs,
        "training_log_loss": loss,
        "feature_bits": spec.bits,
        "library": f"scikit-learn {sklearn.__version__}",
        "weights": {str(int(i)): float(coef[i]) for i in nonzero},
    }
    with open(args.output, "w") as file:
        json.dump(result, file)
    print(f"trained on {len(samples)} samples (weight sum {weight_sum:.1f}), "
          f"training log-loss {loss:.4f}, {len(nonzero)} weights -> {args.output}")


if __name__ == "__main__":
    sys.exit(main())
