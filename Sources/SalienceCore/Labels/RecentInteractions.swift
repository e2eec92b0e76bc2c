/// The (user, item) pairs seen within a window of event time, at most
/// `capacity` of them (the oldest arrivals are forgotten first): what the
/// negative sampler must not draw for a user. Best effort by design: a pair
/// forgotten for capacity can be drawn.
struct RecentInteractions: Sendable {
    let window: Int64
    let capacity: Int
    /// Arrivals in order: pair and event time.
    private var arrivals: [(pair: UInt64, time: Int64)] = []
    private var head = 0
    private var counts: [UInt64: Int] = [:]

    init(windowMilliseconds: Int64, capacity: Int) {
        window = windowMilliseconds
        self.capacity = capacity
    }

    var count: Int { arrivals.count - head }

    func contains(_ pair: UInt64) -> Bool { counts[pair] != nil }

    /// Records a pair at `time`, and forgets what is older than `now − window` or over capacity.
    mutating func record(_ pair: UInt64, at time: Int64, now: Int64) {
        guard capacity > 0 else { return }
        arrivals.append((pair, time))
        counts[pair, default: 0] += 1
        while head < arrivals.count, count > capacity || arrivals[head].time < now - window {
            forgetOldest()
        }
        if head > 4096, head * 2 > arrivals.count {
            arrivals.removeFirst(head)
            head = 0
        }
    }

    private mutating func forgetOldest() {
        let pair = arrivals[head].pair
        head += 1
        if let remaining = counts[pair], remaining > 1 { counts[pair] = remaining - 1 } else { counts[pair] = nil }
    }
}

extension RecentInteractions {
    func encode(to writer: inout BinaryWriter) {
        writer.write(count)
        for arrival in arrivals[head...] {
            writer.write(arrival.pair)
            writer.write(arrival.time)
        }
    }

    init(windowMilliseconds: Int64, capacity: Int, from reader: inout BinaryReader) throws {
        self.init(windowMilliseconds: windowMilliseconds, capacity: capacity)
        let count = try reader.read(Int.self)
        guard count >= 0, count <= capacity, count * 16 <= reader.remaining else {
            throw StateDecodingError(.malformed, "\(count) recent interactions do not fit (capacity \(capacity), \(reader.remaining) bytes left)")
        }
        arrivals.reserveCapacity(count)
        for _ in 0..<count {
            let pair = try reader.read(UInt64.self)
            let time = try reader.read(Int64.self)
            arrivals.append((pair, time))
            counts[pair, default: 0] += 1
        }
    }
}
