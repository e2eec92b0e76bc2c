import Foundation
import Logging
import SalienceOperations
import SalienceTestSupport
import Testing

@Suite("JSON log lines", .ownThreads)
struct JSONLogHandlerTests {
    @Test("Each record is one JSON object with time, level, label, message and dotted metadata; levels filter")
    func jsonLines() throws {
        let output = JSONLogOutput.memory()
        var logger = Logger(label: "salience.run") { JSONLogHandler(label: $0, level: .info, output: output) }
        logger[metadataKey: "salience.group"] = "recs"
        logger.debug("not written")
        logger.info("partition restored", metadata: ["salience.partition": "events/3", "salience.detail": "quote \" and\nnewline"])
        logger.error("pipeline failed", metadata: ["salience.tags": ["a", "b"]])
        #expect(output.lines.count == 2)
        let first = try #require(JSONSerialization.jsonObject(with: Data(output.lines[0].utf8)) as? [String: String])
        #expect(first["level"] == "info")
        #expect(first["label"] == "salience.run")
        #expect(first["message"] == "partition restored")
        #expect(first["salience.partition"] == "events/3")
        #expect(first["salience.group"] == "recs")
        #expect(first["salience.detail"] == "quote \" and\nnewline")
        let timestamp = try #require(first["ts"])
        #expect(timestamp.count == 24 && timestamp.hasSuffix("Z") && timestamp.contains("T"), "\(timestamp)")
        let second = try #require(JSONSerialization.jsonObject(with: Data(output.lines[1].utf8)) as? [String: String])
        #expect(second["level"] == "error")
        #expect(second["salience.tags"] == #"["a","b"]"#)
    }
}
