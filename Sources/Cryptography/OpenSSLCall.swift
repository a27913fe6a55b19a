import COpenSSL

/// The one place OpenSSL results become Swift errors.
///
/// OpenSSL reports success with a positive return value (almost always 1) or a
/// non-null pointer, and failure with 0, a negative value or NULL, leaving the
/// details on a thread-local error queue. Every call in this module goes through
/// `check`, which drains that queue into the thrown error's debug-only
/// `openSSLErrors`, so a failure can never be ignored and never leaves stale
/// entries behind for the next caller on the same thread.
enum OpenSSL {
    /// The most queue entries kept per error; the queue is bounded anyway, but a
    /// log line should be too.
    private static let maximumQueuedErrors = 16

    /// Throws unless `result` is positive.
    ///
    /// - Parameters:
    ///   - function: The C function's name, for the message.
    ///   - kind: What a failure means at this call site. Almost always
    ///     `opensslFailure`; GCM's final decryption step passes
    ///     `authenticationFailed`, because that is how OpenSSL reports a bad tag.
    ///   - message: A safe explanation, replacing the default "<function> failed".
    @inline(__always)
    static func check(
        _ result: Int32, _ function: StaticString, failure kind: CryptographyError.Kind = .opensslFailure,
        message: String? = nil, file: String = #fileID, line: UInt = #line
    ) throws {
        if result > 0 { return }
        throw failure(function, kind: kind, message: message, file: file, line: line)
    }

    /// Returns `pointer`, or throws if OpenSSL returned NULL (an allocation or
    /// fetch failure).
    @inline(__always)
    static func check<Pointer>(
        _ pointer: Pointer?, _ function: StaticString, failure kind: CryptographyError.Kind = .opensslFailure,
        message: String? = nil, file: String = #fileID, line: UInt = #line
    ) throws -> Pointer {
        if let pointer { return pointer }
        throw failure(function, kind: kind, message: message, file: file, line: line)
    }

    private static func failure(
        _ function: StaticString, kind: CryptographyError.Kind, message: String?, file: String, line: UInt
    ) -> CryptographyError {
        CryptographyError(
            kind, message ?? "\(function) failed", openSSLErrors: drainErrorQueue(), file: file, line: line)
    }

    /// Empties this thread's OpenSSL error queue, returning its entries oldest
    /// first as OpenSSL's own one-line descriptions.
    static func drainErrorQueue() -> [String] {
        var entries: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            guard entries.count < maximumQueuedErrors else { continue }
            // ERR_error_string_n always NUL-terminates within the given length.
            let text = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { buffer -> String in
                guard let base = buffer.baseAddress else { return "" }
                ERR_error_string_n(code, base, buffer.count)
                return String(cString: base)
            }
            entries.append(text)
        }
        return entries
    }
}

extension Sequence<UInt8> {
    /// Calls `body` with the bytes in contiguous memory whose base address is
    /// never nil, even when empty: several OpenSSL 3.0 functions treat a NULL
    /// buffer as "not provided" rather than "empty" (HMAC keys, scrypt
    /// passwords), which is not what an empty Swift collection means.
    ///
    /// `[UInt8]`, `ArraySlice`, `Data` and native `String.UTF8View` are used in
    /// place. Anything else is copied into a temporary array that is cleansed
    /// afterwards, because the bytes may be a key or a password.
    func withUnsafeByteBuffer<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        if let result = try withContiguousStorageIfAvailable({ elements in
            try Self.withNonNullBase(UnsafeRawBufferPointer(elements), body)
        }) {
            return result
        }
        var copy = Array(self)
        defer { copy.withUnsafeMutableBytes { OpenSSL.cleanse($0) } }
        return try copy.withUnsafeBytes { try Self.withNonNullBase($0, body) }
    }

    private static func withNonNullBase<Result>(
        _ buffer: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result {
        if buffer.baseAddress != nil { return try body(buffer) }
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { scratch in
            try body(UnsafeRawBufferPointer(start: scratch.baseAddress, count: 0))
        }
    }
}

extension OpenSSL {
    /// Overwrites memory in a way the optimiser may not remove (OPENSSL_cleanse),
    /// for buffers that held keys, passwords or plaintext.
    static func cleanse(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        OPENSSL_cleanse(base, buffer.count)
    }

    /// The largest length passed to OpenSSL functions that take an `int` count
    /// (EVP_EncryptUpdate, RAND_bytes); longer inputs are fed in chunks.
    static let maximumChunk = 1 << 30
}
