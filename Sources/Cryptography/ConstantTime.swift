import COpenSSL

/// Comparisons whose running time does not depend on where inputs differ.
///
/// Use these whenever one side is secret or attacker-chosen and the other is
/// the expected value: MACs, webhook signatures, token digests, password
/// hashes. Ordinary `==` stops at the first differing byte, and that timing
/// difference is measurable over a network.
public enum ConstantTime {
    /// Whether `lhs` and `rhs` hold the same bytes.
    ///
    /// The lengths are compared first and are not secret: a length mismatch
    /// returns `false` immediately. For equal lengths every byte is examined
    /// (CRYPTO_memcmp) regardless of where a difference lies.
    public static func equals(_ lhs: some Sequence<UInt8>, _ rhs: some Sequence<UInt8>) -> Bool {
        lhs.withUnsafeByteBuffer { left in
            rhs.withUnsafeByteBuffer { right in equalBuffers(left, right) }
        }
    }

    static func equalBuffers(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
        guard left.count == right.count else { return false }
        guard let leftBase = left.baseAddress, let rightBase = right.baseAddress, left.count > 0 else {
            return true
        }
        // CRYPTO_memcmp returns 0 for equal memory; it is a comparison, not a
        // status code, so it does not go through OpenSSL.check.
        return CRYPTO_memcmp(leftBase, rightBase, left.count) == 0
    }
}
