import Cryptography

/// Ids for outbound webhook messages: `msg_` and 16 random bytes as URL-safe
/// Base64 without padding, 26 characters in all.
///
/// The id travels as `webhook-id` and is the receiver's idempotency key, so it
/// is fixed when the message is created and reused on every retry. 128 random
/// bits make collisions negligible without coordination, and the alphabet
/// (`A–Z a–z 0–9 - _`) is within what ``StandardWebhooks`` verification accepts.
public enum WebhookMessageID {
    public static let prefix = "msg_"
    /// Random bytes in an id.
    public static let randomByteCount = 16

    /// A new id from the CSPRNG.
    ///
    /// - Throws: a ``Cryptography/CryptographyError`` if the generator fails.
    public static func generate() throws -> String {
        prefix + (try SecureRandom.token(bytes: randomByteCount))
    }
}
