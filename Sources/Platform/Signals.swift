import Dispatch
import Foundation

/// Delivers SIGINT/SIGTERM as an async stream instead of killing the process,
/// so that long-running commands can shut down gracefully.
///
/// `@unchecked`: the sources are set once in `init` and dispatch sources are thread-safe.
public final class SignalObserver: @unchecked Sendable {
    public let signals: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    public init(_ numbers: [Int32] = [SIGINT, SIGTERM]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        signals = stream
        var sources: [any DispatchSourceSignal] = []
        for number in numbers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Suspends until the first observed signal and returns its number.
    public func next() async -> Int32? {
        for await number in signals { return number }
        return nil
    }

    deinit { sources.forEach { $0.cancel() } }
}
