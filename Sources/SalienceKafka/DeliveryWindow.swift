import Synchronization

/// The messages a producer has sent and not yet had reported, numbered in
/// send order. Each message takes the next sequence number and a slot that
/// holds its handler and tag until its report. Reports arrive out of order
/// across partitions; the window keeps the longest reported prefix
/// (``reportedThrough``), so a caller can learn that everything it sent
/// before some point is reported without flushing the producer.
///
/// Slots live in a ring that doubles as needed up to `capacity`; a send finds
/// no slot while `capacity` messages are outstanding from the oldest
/// unreported one.
final class DeliveryWindow: Sendable {
    private struct Slot {
        var handler: KafkaDeliveryHandler?
        var tag: Int64 = 0
        var reported = false
    }

    private struct State {
        var slots: [Slot]
        /// The sequence number the next message takes.
        var next: UInt64 = 0
        /// Every message numbered below this has been reported.
        var reportedThrough: UInt64 = 0

        func index(_ sequence: UInt64) -> Int { Int(sequence % UInt64(slots.count)) }
    }

    private let state: Mutex<State>
    /// The most slots the ring grows to.
    let capacity: Int

    /// - Parameter capacity: The most outstanding messages (at least 1).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(slots: Array(repeating: Slot(), count: min(self.capacity, 1024))))
    }

    /// Messages sent so far (the next message's sequence number).
    var sent: UInt64 { state.withLock { $0.next } }

    /// Every message numbered below this has been reported, delivered or failed.
    var reportedThrough: UInt64 { state.withLock { $0.reportedThrough } }

    /// Numbers a message whose report goes to `handler` with `tag`, or `nil`
    /// while the window is full.
    func open(_ handler: KafkaDeliveryHandler, tag: Int64) -> UInt64? {
        state.withLock { state in
            if state.next - state.reportedThrough == UInt64(state.slots.count) {
                guard state.slots.count < capacity else { return nil }
                // Re-placed in a larger ring: a slot's index depends on the ring's size.
                var larger = Array(repeating: Slot(), count: min(capacity, state.slots.count * 2))
                for sequence in state.reportedThrough..<state.next {
                    larger[Int(sequence % UInt64(larger.count))] = state.slots[state.index(sequence)]
                }
                state.slots = larger
            }
            let sequence = state.next
            state.slots[state.index(sequence)] = Slot(handler: handler, tag: tag)
            state.next += 1
            return sequence
        }
    }

    /// The handler and tag of message `sequence`, whose report has come; the
    /// caller reports to it and then calls ``reported(_:)``, so that whoever
    /// sees the prefix pass the message also sees what its handler recorded.
    func take(_ sequence: UInt64) -> (handler: KafkaDeliveryHandler?, tag: Int64) {
        state.withLock { state in
            let index = state.index(sequence)
            defer { state.slots[index].handler = nil }
            return (state.slots[index].handler, state.slots[index].tag)
        }
    }

    /// Marks message `sequence` reported and moves the reported prefix past
    /// every message reported in a row from its start.
    func reported(_ sequence: UInt64) {
        state.withLock { state in
            state.slots[state.index(sequence)].reported = true
            while state.reportedThrough < state.next, state.slots[state.index(state.reportedThrough)].reported {
                state.slots[state.index(state.reportedThrough)] = Slot()
                state.reportedThrough += 1
            }
        }
    }

    /// Gives up message `sequence`, which was never handed to librdkafka (it
    /// refused the send): no report will come.
    func cancel(_ sequence: UInt64) {
        _ = take(sequence)
        reported(sequence)
    }
}
