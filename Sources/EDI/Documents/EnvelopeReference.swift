/// Where a document came from: the envelope values events need for identity, time and lineage.
public struct EnvelopeReference: Sendable, Hashable {
    public let senderQualifier: String
    public let senderID: String
    public let receiverQualifier: String
    public let receiverID: String
    public let interchangeControlNumber: String
    public let groupControlNumber: String
    /// GS04/GS05: when the sender created the group.
    public let groupDate: String
    public let groupTime: String
    public let setControlNumber: String
    /// Position of the ST segment in the interchange.
    public let setPosition: Int

    public init(interchange: Interchange, group: FunctionalGroup, set: TransactionSet) {
        senderQualifier = interchange.senderQualifier
        senderID = interchange.senderID
        receiverQualifier = interchange.receiverQualifier
        receiverID = interchange.receiverID
        interchangeControlNumber = interchange.controlNumber
        groupControlNumber = group.controlNumber
        groupDate = group.date
        groupTime = group.time
        setControlNumber = set.controlNumber
        setPosition = set.position
    }
}
