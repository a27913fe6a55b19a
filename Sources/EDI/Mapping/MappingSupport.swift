import Foundation
import Events
import Finance

/// Building blocks shared by the three mappings: identity, time, money, parties and people.
struct MappingSupport {
    let envelope: EnvelopeReference
    let options: X12MappingOptions

    func error(_ message: String, position: Int? = nil, segmentID: String? = nil) -> X12Error {
        X12Error(.unmappable, message, position: position ?? envelope.setPosition, segmentID: segmentID)
    }

    /// `x12-<sender>-<ISA13>-<GS06>-<ST02>[-suffix]`: unique per sender as X12 control numbers are,
    /// restricted to the printable ASCII the catalog's id pattern allows.
    func eventID(suffix: String? = nil) -> String {
        let parts =
            [
                envelope.senderID, envelope.interchangeControlNumber, envelope.groupControlNumber,
                envelope.setControlNumber,
            ] + (suffix.map { [$0] } ?? [])
        let raw = "x12-" + parts.joined(separator: "-")
        let printable = raw.unicodeScalars.map { (0x21...0x7E).contains($0.value) ? Character($0) : "_" }
        return String(printable.prefix(200))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` from an X12 date and time already read as ISO parts.
    func timestamp(date: String, time: String) -> String { "\(date)T\(time)Z" }

    /// When the sender created the functional group (GS04/GS05).
    func groupTimestamp() throws(X12Error) -> String {
        guard let date = ElementValues.isoDate(envelope.groupDate), let time = ElementValues.isoTime(envelope.groupTime)
        else {
            throw error("GS04/GS05 must be a date CCYYMMDD and a time HHMM to date the event", segmentID: "GS")
        }
        return timestamp(date: date, time: time)
    }

    func currency(_ code: String?) throws(X12Error) -> Currency {
        guard let code = code ?? options.defaultCurrency else {
            throw error("the document has no CUR segment and no default currency is configured", segmentID: "CUR")
        }
        do {
            return try Currency(code)
        } catch {
            throw self.error("'\(code)' is not an ISO 4217 currency code", segmentID: "CUR")
        }
    }

    /// N2 cents as the currency's decimal text (`3500` → `35.00`).
    func amount(cents: Int64, in currency: Currency) throws(X12Error) -> Money {
        guard let money = Money.exact(Decimal(cents) / 100, currency: currency) else {
            throw error("\(cents) cents is not a whole amount of \(currency.code)")
        }
        return money
    }

    func sum(_ amounts: [Money], in currency: Currency) throws(X12Error) -> Money {
        var total = Money.zero(currency)
        for amount in amounts {
            do {
                total = try total.plus(amount)
            } catch {
                throw self.error("the amounts are too large to add up")
            }
        }
        return total
    }

    /// The sum of the freight (SAC C D240) charges, or nil when there are none.
    func freight(_ charges: [Charge], in currency: Currency) throws(X12Error) -> JSONValue? {
        let cents = charges.filter(\.isFreight).compactMap(\.amountCents)
        guard !cents.isEmpty else { return nil }
        var amounts: [Money] = []
        for value in cents { amounts.append(try amount(cents: value, in: currency)) }
        return .string(try sum(amounts, in: currency).amountText)
    }

    /// The sum of the TXI amounts, or nil when none gives an amount.
    func tax(_ taxes: [Tax], in currency: Currency) throws(X12Error) -> JSONValue? {
        let texts = taxes.compactMap(\.amount)
        guard !texts.isEmpty else { return nil }
        var amounts: [Money] = []
        for text in texts {
            do {
                amounts.append(try Money.parse(text, currency: currency))
            } catch {
                throw self.error("TXI02 \(text) is not an amount of \(currency.code)", segmentID: "TXI")
            }
        }
        return .string(try sum(amounts, in: currency).amountText)
    }

    /// The first party with one of `codes` (in that order of preference).
    func party(_ parties: [Party], preferring codes: [String]) -> Party? {
        for code in codes {
            if let party = parties.first(where: { $0.entityCode == code }) { return party }
        }
        return nil
    }

    /// A canonical party: N104 (or `fallbackID`) and N102.
    func partyValue(_ party: Party?, fallbackID: String) -> JSONValue {
        var object: [String: JSONValue] = ["id": .string(party?.id ?? fallbackID)]
        if let name = party?.name { object["name"] = .string(name) }
        return .object(object)
    }

    /// The e-mail address of the first contact whose function is in `functions`, else of any contact,
    /// else the configured fallback user.
    func person(_ contacts: [Contact], preferring functions: [String], role: String) throws(X12Error) -> String {
        let withEmail = contacts.filter { $0.email != nil }
        let preferred = functions.lazy.compactMap { code in withEmail.first { $0.functionCode == code } }.first
        if let email = (preferred ?? withEmail.first)?.email { return email }
        guard let fallback = options.fallbackUser else {
            throw error(
                "no PER contact with an e-mail address names the \(role), and no fallback user is configured",
                segmentID: "PER")
        }
        return fallback
    }

    func sku(_ ids: [ProductID], at position: Int, segmentID: String) throws(X12Error) -> String {
        guard let sku = ids.value(preferring: options.skuQualifiers) else {
            let wanted = options.skuQualifiers.joined(separator: ", ")
            throw error(
                "the line has no product id with a qualifier of \(wanted)", position: position, segmentID: segmentID)
        }
        return sku
    }

    func uom(_ code: String) -> String { options.unitsOfMeasure[code] ?? code }

    func envelopeObject(type: String, id: String, occurredAt: String, data: [String: JSONValue]) -> JSONValue {
        .object([
            "type": .string(type), "id": .string(id), "occurred_at": .string(occurredAt),
            "source": .string(options.source), "data": .object(data),
        ])
    }
}
