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

    @Test func jsonStringsEscapeExactlyQuotesBackslashesAndControlCharacters() {
        #expect(JSONString.quoted("") == #""""#)
        #expect(JSONString.quoted("plain é 日本") == #""plain é 日本""#)
        #expect(
            JSONString.quoted("\"a\\b\nc\rd\te\u{01}\u{1F}f\u{7F}\"")
                == #""\"a\\b\nc\rd\te\u0001\u001ff"# + "\u{7F}" + #"\"""#)
    }

    @Test func jsonLinesHandlerWritesOneLinePerRecord() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let handler = JSONLinesLogHandler(fileDescriptor: fds[1])
        let logger = Logger(label: "t", handler: handler)
        logger.info("one")
        logger.info("two")
        handler.flush()
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

    /// Lines from many threads are buffered and written in batches: every line
    /// must still arrive once, whole, and each thread's lines in the order it logged them.
    @Test func concurrentWritersLoseAndInterleaveNothing() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        #expect(fd >= 0)
        defer { unlink(path) }
        let handler = JSONLinesLogHandler(fileDescriptor: fd)
        let logger = Logger(label: "t", handler: handler)
        // 8 × 800 lines of ~300 bytes, about twice what the output buffers (1 MiB): appenders may write too.
        let writers = 8, linesEach = 800
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for line in 0..<linesEach {
                        logger.info("w\(writer) l\(line)", metadata: ["padding": String(repeating: "x", count: 200)])
                    }
                }
            }
        }
        handler.flush()
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var seen = [Int](repeating: 0, count: writers)
        for line in text.split(separator: "\n") {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            let words = try #require(object["message"]).split(separator: " ")
            let writer = try #require(Int(words[0].dropFirst())), number = try #require(Int(words[1].dropFirst()))
            #expect(number == seen[writer])
            seen[writer] += 1
        }
        #expect(seen == [Int](repeating: linesEach, count: writers))
    }

    /// A warning is on file when the call returns, after the lines buffered
    /// before it; a buffered line gets there without anyone flushing.
    @Test func warningsAreWrittenAtOnceAndBufferedLinesFollowOnTheirOwn() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        #expect(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        let logger = Logger(label: "t", handler: JSONLinesLogHandler(fileDescriptor: fd))
        func messages() throws -> [String] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
                return object?["message"] ?? ""
            }
        }
        logger.info("first")
        logger.info("second")
        logger.warning("third")
        #expect(try messages() == ["first", "second", "third"])
        logger.info("fourth")
        var waited = 0
        while try messages().count < 4 && waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(try messages() == ["first", "second", "third", "fourth"])
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

@Suite struct TraceFieldTests {
    @Test func everyLineWrittenWhileATraceIsCurrentCarriesItsIDs() {
        let memory = InMemoryLogHandler()
        let logger = Logger(label: "t", handler: memory)
        logger.info("before")
        let trace = TraceContext(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", spanID: "00f067aa0ba902b7")
        TraceContext.$current.withValue(trace) {
            logger.info("inside")
            // A line about other work names that work's trace, not the current one.
            logger.info("explicit", metadata: ["trace_id": "0af7651916cd43dd8448eb211c80319c"])
        }
        let records = memory.records
        #expect(records[0].metadata["trace_id"] == nil && records[0].metadata["span_id"] == nil)
        #expect(records[1].metadata["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(records[1].metadata["span_id"] == "00f067aa0ba902b7")
        #expect(records[2].metadata["trace_id"] == "0af7651916cd43dd8448eb211c80319c")
        #expect(records[2].metadata["span_id"] == nil)
        let line = String(decoding: JSONLinesLogHandler.encode(records[1]), as: UTF8.self)
        #expect(line.contains(#""span_id":"00f067aa0ba902b7""#) && line.contains(#""trace_id":"4bf92f3577b34da6a3ce929d0e0e4736""#))
    }

    @Test func aStoredTraceparentNamesItsSpanAndAnInvalidOneNone() {
        let named = TraceContext.withSpan(named: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") {
            TraceContext.current
        }
        #expect(named?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(named?.spanID == "00f067aa0ba902b7")
        let outer = TraceContext.start()
        TraceContext.$current.withValue(outer) {
            #expect(TraceContext.withSpan(named: "garbage") { TraceContext.current } == nil)
            #expect(TraceContext.withSpan(named: nil) { TraceContext.current } == nil)
        }
    }
}
