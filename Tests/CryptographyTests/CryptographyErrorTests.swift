import COpenSSL
@testable import Cryptography
import Testing

@Suite("CryptographyError")
struct CryptographyErrorTests {
    @Test("codes are stable snake_case strings")
    func codes() {
        let codes = CryptographyError.Kind.allCases.map { CryptographyError($0, "m").code }
        #expect(codes.contains("authentication_failed"))
        #expect(codes.contains("invalid_key_size"))
        #expect(codes.contains("malformed_sealed_box"))
        #expect(codes.contains("openssl_failure"))
        #expect(Set(codes).count == codes.count)
        for code in codes {
            #expect(
                code.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || $0 == UInt8(ascii: "_") }
            )
        }
    }

    @Test("OpenSSL's queue and the throw site appear only in debug output")
    func debugOnlyDetail() {
        let error = CryptographyError(
            .opensslFailure, "EVP_KDF_derive failed",
            openSSLErrors: ["error:1C800066:Provider routines::memory limit exceeded"])
        #expect(error.description == "openssl_failure: EVP_KDF_derive failed")
        #expect(!error.description.contains("Provider routines"))
        #expect(error.debugDescription.contains("Provider routines"))
        #expect(error.debugDescription.contains("CryptographyErrorTests.swift"))
    }

    @Test("the checking helper drains OpenSSL's error queue into the error")
    func checkDrainsQueue() throws {
        // An unknown algorithm makes OpenSSL push entries onto this thread's queue.
        let missing = EVP_MD_fetch(nil, "NO-SUCH-DIGEST", nil)
        #expect(missing == nil)
        do {
            _ = try OpenSSL.check(missing, "EVP_MD_fetch")
            Issue.record("check accepted NULL")
        } catch let error as CryptographyError {
            #expect(error.kind == .opensslFailure)
            #expect(error.message == "EVP_MD_fetch failed")
            #expect(!error.openSSLErrors.isEmpty)
            #expect(error.debugDescription.contains("OpenSSL:"))
        }
        #expect(ERR_peek_error() == 0)
        #expect(throws: Never.self) { try OpenSSL.check(1, "ok") }
        #expect(errorKind { try OpenSSL.check(0, "zero") } == .opensslFailure)
        #expect(
            errorKind { try OpenSSL.check(-1, "negative", failure: .authenticationFailed) } == .authenticationFailed)
    }
}
