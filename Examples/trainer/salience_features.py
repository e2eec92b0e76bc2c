"""Salience's feature hashing (Schemas/README.md, "Hashing"), for the
fields a weighted sample carries: user, item, hour and weekday of its event
time, their crosses, and the bias. Fields a sample does not carry (category,
price, session, context) are left out, as Salience leaves out fields an event
lacks."""
import xxhash

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
DEFAULT_SPEC = {
    "seed": 0x5A11E4CE,
    "feature_bits": 20,
    "fields": ["user", "item", "category", "hour", "weekday", "price_bucket"],
    "crosses": ["user*category", "item*hour"],
}


def xxh64(data: bytes, seed: int) -> int:
    return xxhash.xxh64_intdigest(data, seed=seed & MASK64)


def identity(value: str) -> int:
    """An id's identity hash, made once per id: xxh64(utf8(id), 0)."""
    return xxh64(value.encode(), 0)


def mix(value: int, seed: int) -> int:
    """mix(v, s) = SplitMix64's finaliser of (v xor s) + 0x9E3779B97F4A7C15."""
    z = ((value ^ seed) + GOLDEN) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


class FeatureSpec:
    """The hashing of a model export (`salience.model.v2`) or Salience's defaults."""

    def __init__(self, seed, feature_bits, fields, crosses):
        self.seed = int(seed)
        self.bits = int(feature_bits)
        self.fields = list(fields)
        self.crosses = [tuple(cross.split("*")) for cross in crosses]
        self.namespaces = {name: xxh64(name.encode(), self.seed)
                           for name in self.fields + ["*".join(c) for c in self.crosses]}
        self.bias = xxh64(b"bias", self.seed) % (1 << self.bits)

    @classmethod
    def from_export(cls, export):
        return cls(export["hash"]["seed"], export["feature_bits"], export["fields"], export["crosses"])

    @classmethod
    def default(cls):
        return cls(DEFAULT_SPEC["seed"], DEFAULT_SPEC["feature_bits"], DEFAULT_SPEC["fields"], DEFAULT_SPEC["crosses"])

    def field_hashes(self, sample):
        seconds = sample["ts"] // 1000
        values = {
            "user": ("text", sample["user_id"]),
            "item": ("text", sample["item_id"]),
            "hour": ("number", (seconds // 3600) % 24),
            # 1970-01-01 was a Thursday: Monday = 0.
            "weekday": ("number", (seconds // 86400 + 3) % 7),
        }
        hashes = {}
        for field in self.fields:
            if field not in values:
                continue
            kind, value = values[field]
            namespace = self.namespaces[field]
            hashes[field] = mix(identity(value) if kind == "text" else value, namespace)
        return hashes

    def indices(self, sample):
        """Feature indices of a sample, bias first; every value is 1."""
        hashes = self.field_hashes(sample)
        indices = [self.bias]
        modulus = 1 << self.bits
        for field in self.fields:
            if field in hashes:
                indices.append(hashes[field] % modulus)
        for first, second in self.crosses:
            if first in hashes and second in hashes:
                combined = (hashes[first] * GOLDEN + hashes[second]) & MASK64
                indices.append(mix(combined, self.namespaces[f"{first}*{second}"]) % modulus)
        return indices
