/// A sample's event id: the event's own, or `topic/partition/offset` of the
/// input position of an event that carries none. A derived id is kept as its
/// parts and spelled only where it is written or hashed, so deriving it makes
/// no string per event.
public struct SampleEventID: Sendable {
    private enum Storage: Sendable {
        case text(String)
        case position(SourcePosition)
    }

    private let storage: Storage

    /// An id given as text: the event's own, or one derived from its content.
    public init(_ text: String) {
        storage = .text(text)
    }

    /// The id of an event without one: `topic/partition/offset` of `position`.
    public init(position: SourcePosition) {
        storage = .position(position)
    }

    /// The id as a string (made here for a derived id, as ``withUTF8(_:)`` spells it).
    public var text: String {
        switch storage {
        case .text(let text): text
        case .position: withUTF8 { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Calls `body` with the id's UTF-8 bytes; a derived id is spelled into
    /// temporary storage, not into a string.
    public func withUTF8<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch storage {
        case .text(var text):
            return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
        case .position(let position):
            var topic = position.topic
            return try topic.withUTF8 { topic in
                try withUnsafeTemporaryAllocation(byteCount: topic.count + 2 + 2 * DecimalText.maximumLength, alignment: 1) { buffer in
                    buffer.copyMemory(from: UnsafeRawBufferPointer(topic))
                    var end = topic.count
                    buffer[end] = UInt8(ascii: "/")
                    end = DecimalText.write(Int64(position.partition), into: buffer, at: end + 1)
                    buffer[end] = UInt8(ascii: "/")
                    end = DecimalText.write(position.offset, into: buffer, at: end + 1)
                    return try body(UnsafeRawBufferPointer(rebasing: buffer[..<end]))
                }
            }
        }
    }
}

/// Ids are equal when they are spelled the same, however they are kept.
extension SampleEventID: Hashable {
    public static func == (lhs: SampleEventID, rhs: SampleEventID) -> Bool {
        if case .text(let left) = lhs.storage, case .text(let right) = rhs.storage { return left == right }
        return lhs.withUTF8 { left in rhs.withUTF8 { right in left.elementsEqual(right) } }
    }

    public func hash(into hasher: inout Hasher) {
        withUTF8 { hasher.combine(bytes: $0) }
        hasher.combine(0xFF as UInt8)
    }
}
