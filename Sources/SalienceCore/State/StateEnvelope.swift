/// The framing of every checkpoint: magic, format version, configuration
/// fingerprint, payload, CRC-32C.
///
/// ```
/// offset  size  field
/// 0       8     magic "SALIENCE"
/// 8       2     format version, little-endian (currently 8: the
///               frequency sketches count exactly by fingerprint while they
///               have seen few ids; since 7 the model's
///               `z`, `n` and the log-Q buckets' mean gaps are `Float`,
///               a bucket's last sighting and count are varints, `exp` is
///               table-driven and FTRL's weight takes one division;
///               since 6 ids are
///               hashed once and keys derived by mixing, Schemas/README.md
///               "Hashing", and parts are zstd-compressed; since 5 a state is full or a change set,
///               checkpoints are generations of a full state and change
///               sets; since 4 the state holds the
///               keep-rate controller; since 3 tables hold only their
///               written slots, in slot order; since 2 a checkpoint's
///               payload is compressed; versions 1 to 7 are refused)
/// 10      8     configuration fingerprint (EstimatorConfiguration.fingerprint)
/// 18      8     payload length n
/// 26      n     payload
/// 26+n    4     CRC-32C of bytes 0 ..< 26+n
/// ```
public enum StateEnvelope {
    public static let magic: [UInt8] = Array("SALIENCE".utf8)
    public static let formatVersion: UInt16 = 8
    /// Bytes before the payload: magic, version, fingerprint, payload length.
    public static let headerSize = 26
    static let trailerSize = 4

    /// Frames `payload`.
    public static func seal(_ payload: [UInt8], fingerprint: UInt64) -> [UInt8] {
        var writer = BinaryWriter(capacity: payload.count + headerSize + trailerSize)
        for byte in magic { writer.write(byte) }
        writer.write(formatVersion)
        writer.write(fingerprint)
        writer.write(UInt64(payload.count))
        var bytes = writer.bytes
        bytes.append(contentsOf: payload)
        let checksum = CRC32C.checksum(bytes)
        withUnsafeBytes(of: checksum.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The header of framed bytes, read without checking the checksum.
    public struct Header: Hashable, Sendable {
        public var formatVersion: UInt16
        public var fingerprint: UInt64
        public var payloadLength: UInt64
    }

    /// Reads the header: the bytes must start with the magic and be long enough for one.
    public static func header(of bytes: [UInt8]) throws -> Header {
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic else {
            throw StateDecodingError(.notAState, "the bytes do not start with \"SALIENCE\"")
        }
        guard bytes.count >= headerSize + trailerSize else {
            throw StateDecodingError(.truncated, "\(bytes.count) bytes is shorter than the \(headerSize + trailerSize)-byte frame")
        }
        var reader = BinaryReader(bytes, offset: magic.count)
        return Header(
            formatVersion: try reader.read(UInt16.self),
            fingerprint: try reader.read(UInt64.self),
            payloadLength: try reader.read(UInt64.self)
        )
    }

    /// Checks the frame and returns the payload.
    ///
    /// - Throws: ``StateDecodingError`` saying which check failed: not a
    ///   checkpoint, unsupported version, truncated, checksum mismatch, or
    ///   configuration mismatch (when `expectedFingerprint` is given).
    public static func open(_ bytes: [UInt8], expectedFingerprint: UInt64?) throws -> [UInt8] {
        let header = try header(of: bytes)
        guard header.formatVersion == formatVersion else {
            throw StateDecodingError(
                .unsupportedVersion,
                "format version \(header.formatVersion); this build reads version \(formatVersion) only (state is not converted: replay the input, or start a new group or checkpoint directory)"
            )
        }
        let available = UInt64(bytes.count - headerSize - trailerSize)
        guard header.payloadLength <= available else {
            throw StateDecodingError(.truncated, "payload of \(header.payloadLength) bytes, only \(available) present")
        }
        guard header.payloadLength == available else {
            throw StateDecodingError(.malformed, "\(available - header.payloadLength) bytes after the payload")
        }
        let end = headerSize + Int(header.payloadLength)
        var reader = BinaryReader(bytes, offset: end)
        let stored = try reader.read(UInt32.self)
        let computed = CRC32C.checksum(bytes[0..<end])
        guard stored == computed else {
            throw StateDecodingError(.checksumMismatch, "stored CRC-32C \(hex(stored)), computed \(hex(computed))")
        }
        if let expectedFingerprint, header.fingerprint != expectedFingerprint {
            throw StateDecodingError(
                .configurationMismatch,
                "written under configuration \(hex(header.fingerprint)), this estimator runs \(hex(expectedFingerprint))"
            )
        }
        return Array(bytes[headerSize..<end])
    }
}

/// Zero-padded lowercase hexadecimal of an unsigned integer.
func hex<Value: FixedWidthInteger & UnsignedInteger>(_ value: Value) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, Value.bitWidth / 4 - digits.count)) + digits
}
