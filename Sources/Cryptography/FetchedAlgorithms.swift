import COpenSSL
import Synchronization

/// Digest and MAC implementations fetched from OpenSSL's providers once per
/// process and shared by every context.
///
/// A fetch looks the name up in the provider's method store under a lock; the
/// result is reference-counted and immutable, so one fetched object serves
/// every thread (OpenSSL's crypto(7), "Performance"). Ingest hashes and
/// verifies several times per request, and a fetch per context was a
/// noticeable part of it. The fetched objects are kept for the life of the
/// process: there are as many as there are algorithms in use.
enum FetchedAlgorithms {
    /// An `EVP_MD` or `EVP_MAC` pointer; safe to share because OpenSSL never changes it after the fetch.
    private struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private static let digests = Mutex<[String: Handle]>([:])
    private static let macs = Mutex<[String: Handle]>([:])

    /// The digest implementation; the caller must not free it.
    static func digest(_ algorithm: DigestAlgorithm) throws -> OpaquePointer {
        try cached(algorithm.name, in: digests, free: EVP_MD_free) {
            try OpenSSL.check(
                EVP_MD_fetch(nil, algorithm.name, nil), "EVP_MD_fetch",
                message: "digest \(algorithm.name) is not available from OpenSSL")
        }
    }

    /// The MAC implementation called `name` (`HMAC`); the caller must not free it.
    static func mac(_ name: String) throws -> OpaquePointer {
        try cached(name, in: macs, free: EVP_MAC_free) {
            try OpenSSL.check(
                EVP_MAC_fetch(nil, name, nil), "EVP_MAC_fetch", message: "\(name) is not available from OpenSSL")
        }
    }

    /// Fetches outside the lock; of two threads that race on the first use, one keeps its fetch and the other
    /// frees its own.
    private static func cached(
        _ key: String, in cache: borrowing Mutex<[String: Handle]>, free: (OpaquePointer) -> Void,
        fetch: () throws -> OpaquePointer
    ) throws -> OpaquePointer {
        if let handle = cache.withLock({ $0[key] }) { return handle.pointer }
        let fetched = Handle(pointer: try fetch())
        let kept = cache.withLock { cache -> Handle in
            if let existing = cache[key] { return existing }
            cache[key] = fetched
            return fetched
        }
        if kept.pointer != fetched.pointer { free(fetched.pointer) }
        return kept.pointer
    }
}
