import HTTP

/// What feeding bytes to a parser produced.
struct ParseOutcome {
    var requests: [(request: HTTPRequest, keepAlive: Bool)] = []
    var heads: [Bool] = []
    var error: HTTPParserError?
    /// Bytes fed but never consumed (an incomplete request).
    var leftover = 0
}

/// Feeds `bytes` to a fresh parser in chunks of `chunkSize` (everything at once
/// when nil), the way a connection would: unconsumed bytes are kept and passed
/// again with the next chunk.
func parseRequests(
    _ bytes: [UInt8], limits: HTTPRequestParser.Limits = .init(), chunkSize: Int? = nil
) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = ParseOutcome()
    var pending: [UInt8] = []
    var offset = 0
    let step = max(1, chunkSize ?? bytes.count)
    repeat {
        let end = min(bytes.count, offset + step)
        pending += bytes[offset..<end]
        offset = end
        while true {
            let result: (consumed: Int, event: HTTPRequestParser.Event?)
            do {
                result = try pending.withUnsafeBytes { try parser.parse($0) }
            } catch let error as HTTPParserError {
                outcome.error = error
                return outcome
            } catch {
                return outcome
            }
            pending.removeFirst(result.consumed)
            guard let event = result.event else { break }
            switch event {
            case .head(let expectsContinue):
                outcome.heads.append(expectsContinue)
            case .request(let request, let keepAlive):
                outcome.requests.append((request, keepAlive))
            }
        }
    } while offset < bytes.count
    outcome.leftover = pending.count
    return outcome
}

func parseRequests(_ text: String, limits: HTTPRequestParser.Limits = .init(), chunkSize: Int? = nil) -> ParseOutcome {
    parseRequests(Array(text.utf8), limits: limits, chunkSize: chunkSize)
}
