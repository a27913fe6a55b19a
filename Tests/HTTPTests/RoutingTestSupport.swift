import Foundation
import HTTP
import Synchronization

/// A request as the server would hand it to the router: path already
/// percent-decoded, query split off.
func makeRequest(
    _ method: HTTPMethod = .get, _ path: String, headers: HTTPHeaders = HTTPHeaders(), body: String = ""
) -> HTTPRequest {
    HTTPRequest(method: method, target: path, path: path, headers: headers, body: Array(body.utf8))
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object, or an empty one if it is not.
    var jsonObject: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// `error.<key>` from an error body.
    func errorField(_ key: String) -> Any? { (jsonObject["error"] as? [String: Any])?[key] }
}

/// Answers `"<name>"` with the request's path parameters, so tests see which route won.
func named(_ name: String) -> RequestHandler {
    { request in
        let parameters = request.pathParameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return HTTPResponse(contentType: "text/plain", body: ([name] + parameters).joined(separator: " "))
    }
}

/// A clock that moves only when told to, so durations are exact in tests.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))

    var now: Instant { current.withLock { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }

    func advance(by duration: Duration) { current.withLock { $0 = $0.advanced(by: duration) } }

    /// Never used by the middleware under test; returns at once.
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {}
}
