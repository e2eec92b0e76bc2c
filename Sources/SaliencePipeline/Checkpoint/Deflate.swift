import CZlib

/// zlib's deflate format (RFC 1950) through the system's zlib, for checkpoints:
/// estimator state is mostly tables still at zero, which deflate shrinks by
/// orders of magnitude. The only file here that calls zlib.
enum Deflate {
    /// The compression failed or the bytes are not a zlib stream of the given size.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `bytes` compressed at zlib's level 1 (fastest: most of a state is zeros).
    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &length, input.baseAddress, uLong(input.count), 1)
            }
        }
        // compressBound makes room for any input, so only memory exhaustion fails here.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        output.removeLast(output.count - Int(length))
        return output
    }

    /// Decompresses a stream written by ``compress(_:)`` that must hold exactly `expectedCount` bytes.
    static func decompress(_ bytes: ArraySlice<UInt8>, expectedCount: Int) throws(Failure) -> [UInt8] {
        guard expectedCount >= 0, expectedCount <= 1 << 40 else { throw Failure(description: "an uncompressed size of \(expectedCount) bytes") }
        var output = [UInt8](repeating: 0, count: expectedCount)
        var length = uLong(expectedCount)
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &length, input.baseAddress, uLong(input.count))
            }
        }
        guard status == Z_OK, Int(length) == expectedCount else {
            throw Failure(description: status == Z_OK
                ? "the compressed state holds \(length) bytes, \(expectedCount) announced"
                : "the compressed state does not decompress (zlib status \(status))")
        }
        return output
    }
}
