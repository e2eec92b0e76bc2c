import ArgumentParser
import Foundation

/// Appends JSON documents, one per line, to a file, in 1 MiB writes.
final class JSONLinesWriter {
    private let handle: FileHandle
    private var pending: [UInt8] = []

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write '\(path)'")
        }
        self.handle = handle
    }

    func append(_ document: [UInt8]) {
        pending += document
        pending.append(UInt8(ascii: "\n"))
        if pending.count > 1 << 20 { flush() }
    }

    func close() throws {
        flush()
        try handle.close()
    }

    private func flush() {
        handle.write(Data(pending))
        pending.removeAll(keepingCapacity: true)
    }
}
