import COpenSSL

/// Builds an OSSL_PARAM array whose keys and values stay valid as long as the
/// list does.
///
/// OSSL_PARAM stores raw pointers to its key and value rather than copying
/// them, and a Swift `String` passed to a `const char *` is only valid for the
/// duration of a single call. This list copies every key and value into memory
/// it owns; all of it (passwords and salts included) is cleansed when the list
/// is freed. Used on one thread, for one OpenSSL call, then discarded.
final class ParameterList {
    private var allocations: [(pointer: UnsafeMutableRawPointer, byteCount: Int)] = []
    private var parameters: [OSSL_PARAM] = []

    deinit {
        for allocation in allocations {
            OpenSSL.cleanse(UnsafeMutableRawBufferPointer(start: allocation.pointer, count: allocation.byteCount))
            allocation.pointer.deallocate()
        }
    }

    /// A UTF-8 string parameter, such as HMAC's `digest` name.
    func appendUTF8(_ key: String, _ value: String) {
        let (pointer, length) = copyCString(value)
        parameters.append(OSSL_PARAM_construct_utf8_string(copyCString(key).pointer, pointer, length))
    }

    /// An octet-string parameter, such as scrypt's `pass` and `salt`.
    func appendOctets(_ key: String, _ value: UnsafeRawBufferPointer) {
        let copy = allocate(byteCount: value.count)
        if let source = value.baseAddress { copy.copyMemory(from: source, byteCount: value.count) }
        parameters.append(OSSL_PARAM_construct_octet_string(copyCString(key).pointer, copy, value.count))
    }

    func appendUInt64(_ key: String, _ value: UInt64) {
        let storage = allocate(byteCount: MemoryLayout<UInt64>.size).bindMemory(to: UInt64.self, capacity: 1)
        storage.pointee = value
        parameters.append(OSSL_PARAM_construct_uint64(copyCString(key).pointer, storage))
    }

    func appendUInt32(_ key: String, _ value: UInt32) {
        let storage = allocate(byteCount: MemoryLayout<UInt32>.size).bindMemory(to: UInt32.self, capacity: 1)
        storage.pointee = value
        parameters.append(OSSL_PARAM_construct_uint32(copyCString(key).pointer, storage))
    }

    /// Calls `body` with the parameters followed by the END marker.
    func withParameters<Result>(_ body: (UnsafePointer<OSSL_PARAM>) throws -> Result) rethrows -> Result {
        let array = UnsafeMutablePointer<OSSL_PARAM>.allocate(capacity: parameters.count + 1)
        defer {
            array.deinitialize(count: parameters.count + 1)
            array.deallocate()
        }
        array.initialize(from: parameters, count: parameters.count)
        (array + parameters.count).initialize(to: OSSL_PARAM_construct_end())
        return try body(array)
    }

    /// Zeroed memory aligned for any scalar parameter type, at least one byte
    /// long so that even an empty value has a real address.
    private func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = Swift.max(byteCount, 1)
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        allocations.append((pointer, size))
        return pointer
    }

    /// A NUL-terminated copy of `text`, and its length without the terminator.
    private func copyCString(_ text: String) -> (pointer: UnsafeMutablePointer<CChar>, length: Int) {
        let utf8 = Array(text.utf8)
        let memory = allocate(byteCount: utf8.count + 1)
        utf8.withUnsafeBytes { source in
            if let base = source.baseAddress { memory.copyMemory(from: base, byteCount: source.count) }
        }
        // allocate() zeroed the memory, so the byte after the text is the terminator.
        return (memory.bindMemory(to: CChar.self, capacity: utf8.count + 1), utf8.count)
    }
}
