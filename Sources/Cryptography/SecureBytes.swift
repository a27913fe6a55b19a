/// Heap memory for secrets (keys, derived keys) that is cleansed before it is
/// freed, so key material does not linger in freed pages.
///
/// Swift arrays may be copied or reallocated behind our back, leaving
/// uncleansed copies; this buffer is allocated once, at its final size, and
/// never grows. It is written only while being initialised and is immutable
/// afterwards, which is why sharing it across threads is safe.
final class SecureBytes: @unchecked Sendable {
    /// At least one byte long, so the base address is never nil.
    private let storage: UnsafeMutableRawBufferPointer
    /// The number of bytes held (may be less than the allocation).
    let count: Int

    /// Allocates `count` zeroed bytes and lets `initialize` fill them. If
    /// `initialize` throws, the partly written memory is cleansed and freed.
    init(count: Int, initialize: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        do {
            try initialize(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
        } catch {
            OpenSSL.cleanse(storage)
            storage.deallocate()
            throw error
        }
        self.storage = storage
        self.count = count
    }

    /// A secure copy of `bytes`, read in a single pass.
    static func copying(_ bytes: some Sequence<UInt8>) -> SecureBytes {
        bytes.withUnsafeByteBuffer { source in
            SecureBytes(count: source.count) { $0.copyMemory(from: source) }
        }
    }

    func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    deinit {
        OpenSSL.cleanse(storage)
        storage.deallocate()
    }
}
