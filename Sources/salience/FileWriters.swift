import ArgumentParser
import Foundation

/// Appends JSON documents, one per line, to a file, in 1 MiB writes.
final class JSONLinesWriter {
    private let file: DelimitedFileWriter

    init(path: String) throws {
        file = try DelimitedFileWriter(path: path)
    }

    func append(_ document: [UInt8]) {
        file.append(document + [UInt8(ascii: "\n")])
    }

    func close() throws {
        try file.close()
    }
}

/// Appends records (already framed) to a file, in 1 MiB writes.
final class DelimitedFileWriter {
    private let handle: FileHandle
    private var pending: [UInt8] = []

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("cannot write '\(path)'")
        }
        self.handle = handle
    }

    func append(_ record: [UInt8]) {
        pending += record
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
