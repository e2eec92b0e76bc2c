import Foundation
import SalienceKafka
import SaliencePipeline

/// A command's failure as one plain sentence (exit status 1, no usage text).
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }

    /// What a user should read for `error`: a sentence naming the path or
    /// setting instead of a Foundation or librdkafka dump; other errors
    /// (ArgumentParser's own, ``CommandError``) pass through.
    static func presentable(_ error: any Error) -> any Error {
        switch error {
        case let error as PipelineError:
            return CommandError(error.message)
        case let error as KafkaError:
            return CommandError("Kafka: " + error.message)
        case let error as CocoaError:
            return CommandError(sentence(for: error as NSError))
        case let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain:
            return CommandError(sentence(for: error))
        default:
            return error
        }
    }

    /// "cannot read PATH: no such file" and the like.
    static func sentence(for error: NSError) -> String {
        let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
        let reason: String
        switch CocoaError.Code(rawValue: error.code) {
        case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: reason = "permission denied"
        case .fileWriteOutOfSpace: reason = "no space left on the device"
        case .fileWriteVolumeReadOnly: reason = "the file system is read-only"
        case .fileReadCorruptFile, .fileReadUnknownStringEncoding, .fileReadInapplicableStringEncoding: reason = "not readable as text"
        default:
            if let posix = (error.userInfo[NSUnderlyingErrorKey] as? NSError), posix.domain == NSPOSIXErrorDomain {
                reason = String(cString: strerror(Int32(posix.code))).lowercased()
            } else if error.domain == NSPOSIXErrorDomain {
                reason = String(cString: strerror(Int32(error.code))).lowercased()
            } else {
                reason = error.localizedDescription
            }
        }
        guard let path else { return reason }
        let verb = (512..<768).contains(error.code) ? "cannot write" : "cannot read"  // CocoaError: 512… are write errors
        return "\(verb) \(path): \(reason)"
    }
}

/// Opening an input file, with errors as sentences.
enum InputFile {
    /// A handle reading `path`, or a ``CommandError`` naming it and why not.
    static func handle(_ path: String, what: String = "file") throws -> FileHandle {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CommandError("no such \(what): \(path)") }
        guard !isDirectory.boolValue else { throw CommandError("\(path) is a directory, not a \(what)") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandError("cannot read the \(what) \(path): permission denied") }
        return handle
    }

    /// The bytes of `path`, or a ``CommandError`` naming it.
    static func bytes(_ path: String, what: String = "file") throws -> [UInt8] {
        let handle = try handle(path, what: what)
        defer { try? handle.close() }
        return Array(try handle.readToEnd() ?? Data())
    }
}
