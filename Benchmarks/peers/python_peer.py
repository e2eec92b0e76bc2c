"""The program a data scientist would write instead of `salience run`.

Consumes behaviour events (Salience's canonical JSON) from a topic with
confluent-kafka, keeps decayed user and item counts in event time, trains
River's logistic regression with the FTRL-Proximal optimiser online, weights
each event by its gradient norm damped by item popularity, and produces one
JSON sample per event to an output topic. `salience bench --suite pipeline`
runs it on the same stream and broker as `salience run` and reports the ratio.

    python3 python_peer.py --bootstrap HOST:PORT --topic events \
        --output peer-samples --count N

Prints one JSON line: events, seconds (from start to the last sample
acknowledged), events_per_s.
"""

import argparse
import json
import math
import sys
import time

from confluent_kafka import Consumer, Producer
from river import linear_model, optim

HALF_LIFE_S = 3600.0
LAMBDA = math.log(2) / HALF_LIFE_S


class DecayedCounts:
    """Exponentially decayed counts per key, in event time."""

    def __init__(self):
        self.values = {}

    def add(self, key, t):
        value, last = self.values.get(key, (0.0, t))
        value = value * math.exp(-LAMBDA * max(0.0, t - last)) + 1.0
        self.values[key] = (value, max(t, last))
        return value


def features(event, hour):
    return {
        "user=" + event["user_id"]: 1.0,
        "item=" + event["item_id"]: 1.0,
        "category=" + str(event.get("category_id", "")): 1.0,
        "type=" + event["type"]: 1.0,
        "hour=" + str(hour): 1.0,
        "user_category=" + event["user_id"] + "/" + str(event.get("category_id", "")): 1.0,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", default="events")
    parser.add_argument("--output", default="peer-samples")
    parser.add_argument("--group", default="python-peer")
    parser.add_argument("--count", type=int, required=True, help="stop after this many samples are acknowledged")
    args = parser.parse_args()

    start = time.monotonic()
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap, "group.id": args.group, "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 5, "enable.idempotence": True})
    consumer.subscribe([args.topic])
    model = linear_model.LogisticRegression(optimizer=optim.FTRLProximal(alpha=0.05, beta=1, l1=0.1, l2=1))
    users, items = DecayedCounts(), DecayedCounts()
    mean_norm = 1.0
    delivered = 0
    produced = 0

    def on_delivery(error, _message):
        nonlocal delivered
        if error is not None:
            sys.exit("delivery failed: %s" % error)
        delivered += 1

    while produced < args.count:
        for message in consumer.consume(num_messages=1000, timeout=0.1):
            if message.error():
                continue
            event = json.loads(message.value())
            t = event["ts"] / 1000.0
            hour = int(t // 3600) % 24
            x = features(event, hour)
            y = event["type"] in ("cart", "purchase")
            p = model.predict_proba_one(x).get(True, 0.5)
            model.learn_one(x, y)
            norm = abs(p - y) * math.sqrt(len(x))
            mean_norm += 0.001 * (norm - mean_norm)
            user_count = users.add(event["user_id"], t)
            item_count = items.add(event["item_id"], t)
            weight = (norm / max(mean_norm, 1e-9)) / math.sqrt(item_count)
            sample = {
                "event_id": event.get("event_id"), "user_id": event["user_id"], "item_id": event["item_id"],
                "label": int(y), "weight": weight, "prediction": p, "user_count": user_count, "item_count": item_count,
            }
            producer.produce(args.output, json.dumps(sample).encode(), key=event["user_id"].encode(),
                             partition=message.partition(), on_delivery=on_delivery)
            produced += 1
            producer.poll(0)
    producer.flush(60)
    consumer.close()
    seconds = time.monotonic() - start
    print(json.dumps({"events": delivered, "seconds": seconds, "events_per_s": delivered / seconds}))


if __name__ == "__main__":
    main()
