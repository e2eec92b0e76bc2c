import Foundation

/// Reads a file line by line in large blocks, without holding it all in memory.
struct LineReader: Sequence, IteratorProtocol {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var finished = false
    /// Bytes consumed so far, for progress.
    private(set) var bytesRead: Int64 = 0

    init(path: String) throws {
        handle = try InputFile.handle(path)
    }

    mutating func next() -> Substring? {
        while true {
            if let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[position..<newline], as: UTF8.self)
                bytesRead += Int64(newline - position + 1)
                position = newline + 1
                return Substring(line)
            }
            if finished {
                guard position < buffer.count else { return nil }
                let line = String(decoding: buffer[position...], as: UTF8.self)
                bytesRead += Int64(buffer.count - position)
                position = buffer.count
                return Substring(line)
            }
            let block = handle.readData(ofLength: 1 << 20)
            buffer.removeFirst(position)
            position = 0
            if block.isEmpty { finished = true } else { buffer.append(contentsOf: block) }
        }
    }
}
