import Foundation
import Telemetry
import Testing

@Suite("Logging")
struct LoggerTests {
    @Test func recordsBelowTheMinimumLevelAreDropped() {
        let memory = InMemoryLogHandler()
        let logger = Logger(label: "test", minimumLevel: .warning, handler: memory)
        logger.info("quiet")
        logger.warning("loud")
        logger.error("louder")
        #expect(memory.records.map(\.message) == ["loud", "louder"])
    }

    @Test func metadataIsCarriedAndMerged() {
        let memory = InMemoryLogHandler()
        let logger = Logger(label: "test", handler: memory).with("request_id", "r1").with("tenant", "acme")
        logger.info("hello", metadata: ["trace_id": "abc", "tenant": "override"])
        #expect(memory.records.count == 1)
        #expect(memory.records.first?.metadata == ["request_id": "r1", "trace_id": "abc", "tenant": "override"])
    }

    @Test func jsonLinesAreValidJSONWithEscaping() throws {
        let record = LogRecord(
            time: Date(timeIntervalSince1970: 0), level: .error, label: "http",
            message: "line1\nline2 \"quoted\" \\ \u{01} é",
            metadata: ["request_id": "r-1", "message": "must not replace the message"])
        let line = JSONLinesLogHandler.encode(record)
        #expect(!line.contains(0x0A))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: String])
        #expect(object["message"] == "line1\nline2 \"quoted\" \\ \u{01} é")
        #expect(object["level"] == "error")
        #expect(object["request_id"] == "r-1")
        #expect(object["time"] == "1970-01-01T00:00:00.000Z")
    }

    @Test func jsonLinesHandlerWritesOneLinePerRecord() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let handler = JSONLinesLogHandler(fileDescriptor: fds[1])
        let logger = Logger(label: "t", handler: handler)
        logger.info("one")
        logger.info("two")
        close(fds[1])
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if count > 0 {
                data += buffer[0..<count]
            } else if count == -1 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        close(fds[0])
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    }

    @Test func redactedValuesNeverPrint() {
        let secret = Redacted("whsec_supersecret")
        #expect("\(secret)" == "[redacted]")
        #expect(String(reflecting: secret) == "[redacted]")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("supersecret"))
        #expect(secret.revealed == "whsec_supersecret")
    }
}
