import Foundation

/// A partner's logo as uploaded and served: an SVG document that passed
/// ``SVGLogoCheck``, or a PNG, JPEG or WebP image whose bytes are what its
/// declared type says.
///
/// The type is checked against the file's magic bytes so that a browser
/// told `image/png` (with `nosniff`) never receives HTML or script; the size
/// limits keep a logo a logo.
public struct PartnerLogo: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        case svg = "image/svg+xml"
        case png = "image/png"
        case jpeg = "image/jpeg"
        case webp = "image/webp"

        /// Largest accepted upload, in bytes.
        public var maximumBytes: Int { self == .svg ? 100 * 1024 : 512 * 1024 }
    }

    public let format: Format
    public let bytes: [UInt8]

    public var contentType: String { format.rawValue }

    /// Validates an upload.
    ///
    /// - Parameter contentType: the request's `Content-Type`; parameters such as `; charset=utf-8` are ignored.
    /// - Throws: `unsupported_logo_type` (415), `logo_too_large` (413), or
    ///   `invalid_logo` (422) when the bytes are not a safe image of that type.
    public init(contentType: String?, bytes: [UInt8]) throws(ControlPlaneError) {
        let mediaType = (contentType ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard let mediaType, let format = Format(rawValue: mediaType) else {
            throw ControlPlaneError(
                code: "unsupported_logo_type", message: "a logo is image/svg+xml, image/png, image/jpeg or image/webp",
                httpStatus: 415, field: "Content-Type")
        }
        guard !bytes.isEmpty else { throw .invalid("invalid_logo", "the logo is empty", field: "logo") }
        guard bytes.count <= format.maximumBytes else {
            throw ControlPlaneError(
                code: "logo_too_large",
                message: "a \(format.rawValue) logo is at most \(format.maximumBytes / 1024) KB",
                httpStatus: 413, field: "logo")
        }
        switch format {
        case .svg:
            try SVGLogoCheck.check(bytes)
        case .png, .jpeg, .webp:
            guard Self.hasMagicBytes(of: format, bytes) else {
                throw .invalid("invalid_logo", "the file is not a \(format.rawValue) image", field: "logo")
            }
        }
        self.format = format
        self.bytes = bytes
    }

    /// A logo as stored; trusted because it was validated before it was stored.
    init(stored format: Format, bytes: [UInt8]) {
        self.format = format
        self.bytes = bytes
    }

    static func hasMagicBytes(of format: Format, _ bytes: [UInt8]) -> Bool {
        switch format {
        case .png: return bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        case .jpeg: return bytes.starts(with: [0xFF, 0xD8, 0xFF])
        // RIFF <little-endian size> WEBP
        case .webp:
            return bytes.count >= 12 && bytes.starts(with: Array("RIFF".utf8))
                && Array(bytes[8..<12]) == Array("WEBP".utf8)
        case .svg: return false
        }
    }
}
