import Cryptography

/// Bytes from a hex literal in a test vector; a typo in a vector fails the test.
func hex(_ text: String) throws -> [UInt8] {
    try Hex.decode(text)
}

/// The UTF-8 bytes of a string in a test vector.
func utf8(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// A 256-bit key whose bytes are all `byte`, for tests that need distinct keys.
func testKey(_ byte: UInt8) -> SymmetricKey {
    SymmetricKey(data: [UInt8](repeating: byte, count: 32))
}

/// Runs `body`, expecting a `CryptographyError`, and returns its kind.
func errorKind(_ body: () throws -> Void) -> CryptographyError.Kind? {
    do {
        try body()
        return nil
    } catch let error as CryptographyError {
        return error.kind
    } catch {
        return nil
    }
}
