import COpenSSL
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// File contents and their entity tags, kept in memory up to a size bound.
///
/// Every request still opens and `fstat`s the file, so an edited file is
/// picked up at once (its identity changes) and a deleted one is no longer
/// served; only the read and the hash are saved. When the bound is reached
/// new files are simply not cached: the static directory is small and fixed
/// at deploy time, so an eviction policy would buy nothing.
final class StaticFileCache: Sendable {
    struct Entry: Sendable {
        let path: String
        let identity: FileAccess.Identity
        let content: [UInt8]
        /// Quoted, strong: `"<32 hex digits of SHA-256>"`.
        let entityTag: String
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var totalSize = 0
    }

    private let maximumEntrySize: Int
    private let maximumTotalSize: Int
    private let state = Mutex(State())

    init(maximumEntrySize: Int, maximumTotalSize: Int) {
        self.maximumEntrySize = maximumEntrySize
        self.maximumTotalSize = maximumTotalSize
    }

    /// The regular file at `path`, or nil if it is missing, not regular, or
    /// larger than `maximumSize`. Throws only on a failed read or hash.
    func entry(at path: String, maximumSize: Int) throws -> Entry? {
        // Closed when `file` goes out of scope (its deinit), on every path.
        guard let file = FileAccess.OpenFile(path: path) else { return nil }
        guard let identity = file.regularFileIdentity(), identity.size <= maximumSize else { return nil }
        if let cached = state.withLock({ $0.entries[path] }), cached.identity == identity { return cached }
        let content = try file.readAll(expectedSize: identity.size)
        let entry = Entry(path: path, identity: identity, content: content, entityTag: try Self.entityTag(content))
        if content.count <= maximumEntrySize {
            state.withLock { state in
                let replaced = state.entries[path]?.content.count ?? 0
                guard state.totalSize - replaced + content.count <= maximumTotalSize else { return }
                state.entries[path] = entry
                state.totalSize += content.count - replaced
            }
        }
        return entry
    }

    /// A strong validator: the first 128 bits of SHA-256, so equal tags mean equal bytes.
    static func entityTag(_ content: [UInt8]) throws -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = content.withUnsafeBytes { bytes in
            EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, EVP_sha256(), nil)
        }
        guard ok == 1, length >= 16 else { throw FileAccess.Failure(operation: "SHA-256 of file", code: 0) }
        let digits = Array("0123456789abcdef".utf8)
        var tag: [UInt8] = [UInt8(ascii: "\"")]
        for byte in digest.prefix(16) {
            tag.append(digits[Int(byte >> 4)])
            tag.append(digits[Int(byte & 0xF)])
        }
        tag.append(UInt8(ascii: "\""))
        return String(decoding: tag, as: UTF8.self)
    }
}

/// The few POSIX file calls static serving needs, with their failures as values.
enum FileAccess {
    /// What identifies one version of a file: if any of these change, the content may have.
    struct Identity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    struct Failure: Error, CustomStringConvertible {
        let operation: String
        let code: Int32
        var description: String { "\(operation) failed (errno \(code))" }
    }

    /// `realpath(3)`: absolute, with every symlink, `.` and `..` resolved; nil if it does not exist.
    static func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// An open read-only descriptor. Opened with O_NOFOLLOW: the path is
    /// already canonical, so a symlink here means it was swapped in since.
    struct OpenFile: ~Copyable {
        let descriptor: Int32

        init?(path: String) {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard descriptor >= 0 else { return nil }
            self.descriptor = descriptor
        }

        deinit { _ = closeDescriptor(descriptor) }

        func regularFileIdentity() -> Identity? {
            var info = stat()
            guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            #if canImport(Darwin)
                let modified = info.st_mtimespec
            #else
                let modified = info.st_mtim
            #endif
            return Identity(
                device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int(info.st_size),
                modifiedSeconds: Int(modified.tv_sec), modifiedNanoseconds: Int(modified.tv_nsec))
        }

        /// Reads to end of file; the size is a hint, a file that grew is still read whole.
        func readAll(expectedSize: Int) throws -> [UInt8] {
            var content: [UInt8] = []
            content.reserveCapacity(expectedSize)
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count == 0 { return content }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw Failure(operation: "read", code: errno)
                }
                content.append(contentsOf: chunk[0..<count])
            }
        }
    }
}

/// `close(2)`, named apart so that no member called `close` can shadow it.
private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
        Glibc.close(descriptor)
    #else
        Darwin.close(descriptor)
    #endif
}
