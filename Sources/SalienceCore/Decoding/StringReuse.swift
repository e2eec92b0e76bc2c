/// Sets strings from UTF-8 bytes, reusing the string's own buffer when it is
/// unshared and large enough: decoding into the same event again and again
/// then allocates nothing, even for ids longer than Swift's 15-byte small
/// strings (UUIDs and the like).
enum StringReuse {
    /// Makes `target` the (valid UTF-8) `bytes`.
    static func assign(_ target: inout String, utf8 bytes: UnsafeRawBufferPointer) {
        // Short strings are stored inline and never allocate; a shorter old
        // string has too small a buffer anyway.
        guard bytes.count > smallCapacity, target.utf8.count >= bytes.count else {
            target = String(decoding: bytes, as: UTF8.self)
            return
        }
        target.removeAll(keepingCapacity: true)
        // Appended in pieces that fit a small string each, cut between scalars.
        var start = 0
        while start < bytes.count {
            var end = min(start + smallCapacity, bytes.count)
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end -= 1 }
            target.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
            start = end
        }
    }

    /// Makes `target` the (valid UTF-8) `bytes`.
    static func assign(_ target: inout String?, utf8 bytes: UnsafeRawBufferPointer) {
        if target == nil {
            target = String(decoding: bytes, as: UTF8.self)
        } else {
            assign(&target!, utf8: bytes)
        }
    }

    /// The most UTF-8 bytes a string holds without a heap buffer (64-bit platforms).
    private static let smallCapacity = 15
}
