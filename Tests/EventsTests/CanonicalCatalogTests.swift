import Foundation
import Testing

@testable import Events

/// The real catalog in `Templates/events/`: it loads, it accepts the partners'
/// examples as they are, and each type's schema says what it should.
@Suite("Canonical event catalog")
struct CanonicalCatalogTests {
    // MARK: Loading

    @Test func theCatalogHasTheFourteenTypesAtVersionOne() throws {
        let catalog = try CatalogFixtures.catalog()
        #expect(catalog.types.map(\.type) == CatalogFixtures.eventTypes)
        for description in catalog.types {
            #expect(description.versions.map(\.version) == [1], "\(description.type)")
            let schema = try #require(description.latest)
            #expect(schema.fileName == "\(description.type).v1.json")
            #expect(schema.title?.isEmpty == false, "\(description.type)")
            #expect(schema.description?.isEmpty == false, "\(description.type)")
        }
    }

    // MARK: Examples that must pass

    @Test(arguments: CatalogFixtures.sharedExamples)
    func thePartnersExamplesValidateAsTheyAre(type: String) throws {
        let catalog = try CatalogFixtures.catalog()
        let validated = try catalog.validate(try CatalogFixtures.sharedExample(type))
        #expect(validated.type == type)
        #expect(validated.schemaVersion == 1)
    }

    @Test func thePartnersExamplesKeepTheirNumbersAsText() throws {
        let catalog = try CatalogFixtures.catalog()
        let invoice = try catalog.validate(try CatalogFixtures.sharedExample("invoice.received"))
        #expect(invoice.id == "evt_inv_77-4410")
        #expect(invoice.source == "ap-inbox")
        #expect(invoice.occurredAtText == "2026-11-07T08:30:00Z")
        #expect(invoice.data["total"] == .string("249.00"))
        #expect(invoice.data["lines"]?.arrayValue?[0]["unit_price"] == .string("0.1240"))
        #expect(invoice.data["submitted_by"] == .string("ap.clerk.ana@client.example"))
        let order = try catalog.validate(try CatalogFixtures.sharedExample("purchase_order.created"))
        #expect(order.data["lines"]?.arrayValue?[1]["uom_factor"] == .string("100"))
        #expect(order.data["created_by"] == .string("buyer.kim@client.example"))
        let receipt = try catalog.validate(try CatalogFixtures.sharedExample("goods_receipt.posted"))
        #expect(receipt.data["received_by"] == .string("dock.lee@client.example"))
        #expect(receipt.data["lines"]?.arrayValue?.count == 2)
    }

    @Test(arguments: CatalogFixtures.eventTypes)
    func aRealisticExampleOfEachTypeValidates(type: String) throws {
        let catalog = try CatalogFixtures.catalog()
        let example = try CatalogFixtures.validExample(type)
        #expect(example["type"] == .string(type))
        #expect(catalog.violations(of: example) == [])
        #expect(try catalog.validate(example).type == type)
    }

    @Test(arguments: CatalogFixtures.eventTypes)
    func aMinimalExampleOfEachTypeValidates(type: String) throws {
        let catalog = try CatalogFixtures.catalog()
        let schema = try CatalogFixtures.schemaDocument(type)
        let full = try CatalogFixtures.validExample(type)
        let minimal = SchemaWalk(schema).requiredOnly(full, schema: schema)
        #expect(catalog.violations(of: minimal) == [], "\(minimal.serialized())")
        // The realistic example exercises optional fields that the minimal one drops.
        #expect(minimal.serialized().count < full.serialized().count)
        #expect(minimal["schema_version"] == nil && minimal["caused_by"] == nil && minimal["traceparent"] == nil)
    }

    @Test(arguments: CatalogFixtures.eventTypes)
    func examplesUseOnlyDeclaredFields(type: String) throws {
        // Extra data fields are allowed, so a typo in an example would pass unnoticed; catch it here.
        let schema = try CatalogFixtures.schemaDocument(type)
        var examples = [try CatalogFixtures.validExample(type)]
        if CatalogFixtures.sharedExamples.contains(type) {
            examples.append(try JSONParser().parse(try CatalogFixtures.sharedExample(type)))
        }
        for example in examples {
            #expect(SchemaWalk(schema).undeclared(example, schema: schema, path: "$") == [])
        }
    }

    // MARK: Missing fields

    @Test(arguments: CatalogFixtures.eventTypes)
    func everyRequiredFieldIsReportedWhereItIsMissing(type: String) throws {
        let catalog = try CatalogFixtures.catalog()
        let schema = try CatalogFixtures.schemaDocument(type)
        let walk = SchemaWalk(schema)
        let example = try CatalogFixtures.validExample(type)
        let data = try #require(schema["properties"]?["data"])
        var checked = 0
        for name in walk.required(of: data) {
            let path: [JSONStep] = ["data", .key(name)]
            let broken = example.replacing(path, with: nil)
            #expect(
                catalog.violations(of: broken) == [Violation(path: path.violationPath, message: "is required")],
                "\(type) \(path.violationPath)")
            checked += 1
        }
        // The same for the lines (or other array items) of the last element of each list.
        for (listName, itemSchema) in walk.objectLists(in: data) {
            guard let count = example.value(at: ["data", .key(listName)])?.arrayValue?.count, count > 0 else { continue }
            for name in walk.required(of: itemSchema) {
                let path: [JSONStep] = ["data", .key(listName), .index(count - 1), .key(name)]
                let broken = example.replacing(path, with: nil)
                #expect(
                    catalog.violations(of: broken) == [Violation(path: path.violationPath, message: "is required")],
                    "\(type) \(path.violationPath)")
                checked += 1
            }
        }
        #expect(checked >= 4)
    }

    @Test(arguments: ["type", "id", "occurred_at", "source", "data"])
    func everyEnvelopeFieldIsRequired(field: String) throws {
        let catalog = try CatalogFixtures.catalog()
        let example = try JSONParser().parse(try CatalogFixtures.sharedExample("invoice.received"))
        let broken = example.replacing([.key(field)], with: nil)
        #expect(catalog.violations(of: broken) == [Violation(path: "$.\(field)", message: "is required")])
    }

    // MARK: Targeted invalid values

    /// (event type, where, the wrong value as JSON, what the violation must say)
    static let wrongValues: [(String, [JSONStep], String, String)] = [
        // Envelope.
        ("invoice.received", ["id"], #""evt 1""#, "must be an id of 1 to 200 printable ASCII characters without spaces"),
        ("invoice.received", ["id"], #""""#, "must be an id of 1 to 200 printable ASCII characters without spaces"),
        ("invoice.received", ["source"], #""AP Inbox""#, "must be a source name of lower-case letters, digits, '.', '_' or '-' (at most 64)"),
        ("invoice.received", ["occurred_at"], #""2026-11-14 08:30:00Z""#, "must be an RFC 3339 date-time such as 2026-11-05T14:02:00Z"),
        ("invoice.received", ["occurred_at"], #""2026-11-14T08:30:00""#, "must be an RFC 3339 date-time such as 2026-11-05T14:02:00Z"),
        ("invoice.received", ["caused_by"], #""evt 0""#, "must be an event id of 1 to 200 printable ASCII characters without spaces"),
        ("invoice.received", ["traceparent"], #""00-abc-def-01""#, #"must be a W3C traceparent such as "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01""#),
        ("invoice.received", ["traceparent"], #""00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01""#, #"must be a W3C traceparent such as "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01""#),
        ("invoice.received", ["schema_version"], "1.5", "must be a positive integer"),
        ("invoice.received", ["tenant"], #""acme""#, "is not allowed"),
        ("invoice.received", ["data"], "[]", "must be an object"),
        // Money, quantities, codes.
        ("invoice.received", ["data", "lines", 0, "quantity"], #""1,000""#, #"must be a positive decimal string such as "12.50""#),
        ("invoice.received", ["data", "lines", 0, "quantity"], "600", #"must be a positive decimal string such as "12.50""#),
        ("invoice.received", ["data", "lines", 0, "unit_price"], "0.85", #"must be a non-negative decimal string such as "12.50""#),
        ("invoice.received", ["data", "total"], #""-570.00""#, #"must be a non-negative decimal string such as "12.50""#),
        ("invoice.received", ["data", "lines", 0, "amount"], #""-5.1.0""#, #"must be a decimal string such as "-12.50""#),
        ("invoice.received", ["data", "currency"], #""usd""#, #"must be an ISO 4217 currency code such as "USD""#),
        ("invoice.received", ["data", "currency"], #""EURO""#, #"must be an ISO 4217 currency code such as "USD""#),
        ("invoice.received", ["data", "invoice_date"], #""2026-02-30""#, "must be an RFC 3339 full-date such as 2026-11-05"),
        ("invoice.received", ["data", "supplier", "id"], #""""#, "must be an identifier of 1 to 100 characters without leading or trailing spaces"),
        ("invoice.received", ["data", "supplier", "name"], #""""#, "must not be empty"),
        ("invoice.received", ["data", "supplier"], #""SUP-011""#, "must be an object"),
        ("invoice.received", ["data", "submitted_by"], #""Ana Lopez""#, "must be a user id (login or e-mail address) without spaces"),
        ("invoice.received", ["data", "lines", 0, "po_line"], "0", "must be at least 1"),
        ("purchase_order.created", ["data", "lines", 1, "uom_factor"], #""0""#, #"must be a positive decimal string such as "12.50""#),
        ("purchase_order.created", ["data", "lines", 0, "line"], #""1""#, "must be an integer"),
        ("purchase_order.created", ["data", "lines", 0, "line"], "1.5", "must be an integer"),
        ("purchase_order.created", ["data", "lines", 0, "line"], "1000000", "must be at most 999999"),
        ("purchase_order.created", ["data", "lines", 0, "uom"], #""EA ""#, #"must be a unit of measure code such as "EA""#),
        ("purchase_order.created", ["data", "po_number"], #"" PO-2001""#, "must be an identifier of 1 to 100 characters without leading or trailing spaces"),
        ("purchase_order.created", ["data", "po_number"], #""PO-\n2001""#, "must be an identifier of 1 to 100 characters without leading or trailing spaces"),
        ("purchase_order.created", ["data", "lines"], "[]", "must have at least 1 item"),
        ("purchase_order.created", ["data", "lines", 0, "quantity"], #""1e3""#, #"must be a positive decimal string such as "12.50""#),
        ("purchase_order.created", ["data", "lines", 0, "quantity"], #""0012""#, #"must be a positive decimal string such as "12.50""#),
        ("purchase_order.created", ["data", "lines", 0, "unit_price"], #""0.1234567""#, #"must be a non-negative decimal string such as "12.50""#),
        ("purchase_order.created", ["data", "lines", 0, "unit_price"], #""1234567890123456""#, #"must be a non-negative decimal string such as "12.50""#),
        ("purchase_order.created", ["data", "incoterms"], #""fca""#, "must match the pattern ^[A-Z]{3}$"),
        ("purchase_order.changed", ["data", "revision"], "0", "must be at least 1"),
        ("purchase_order.changed", ["data", "lines", 1, "status"], #""deleted""#, #"must be one of "open", "closed", "cancelled""#),
        ("goods_receipt.posted", ["data", "lines", 1, "condition"], #""broken""#, #"must be one of "good", "damaged", "rejected", "quarantined""#),
        ("goods_receipt.posted", ["data", "lines", 0, "quantity"], #""-1""#, #"must be a non-negative decimal string such as "12.50""#),
        ("goods_receipt.posted", ["data", "lines", 1, "expiry_date"], #""2026-13-01""#, "must be an RFC 3339 full-date such as 2026-11-05"),
        ("landed_cost.charged", ["data", "charge_type"], #""fuel""#, #"must be one of "freight", "duty", "insurance", "brokerage", "handling", "other""#),
        ("landed_cost.charged", ["data", "applies_to"], "[]", "must have at least 1 item"),
        ("landed_cost.charged", ["data", "applies_to", 1, "po_line"], "1.5", "must be an integer"),
        ("cycle_count.completed", ["data", "lines", 0, "counted_quantity"], #""-1""#, #"must be a non-negative decimal string such as "12.50""#),
        ("stock.adjusted", ["data", "lines", 0, "quantity"], #""--12""#, #"must be a decimal string such as "-12.50""#),
        ("stock.adjusted", ["data", "reason"], #""theft""#, #"must be one of "cycle_count", "damage", "shrinkage", "found", "expired", "obsolete", "quality", "scrap", "correction", "other""#),
        ("return.requested", ["data", "lines", 0, "quantity"], #""0""#, #"must be a positive decimal string such as "12.50""#),
        ("return.received", ["data", "lines", 0, "disposition"], #""bin""#, #"must be one of "restock", "refurbish", "return_to_vendor", "scrap", "quarantine""#),
        ("return.received", ["data", "lines", 0, "serial_numbers"], "[]", "must have at least 1 item"),
        ("shipment.delivered", ["data", "exceptions"], #""yes""#, "must be a boolean"),
        ("damage.reported", ["data", "evidence", 0], #""http://files.client.example/x.jpg""#, "must be an https:// URL"),
        ("damage.reported", ["data", "stage"], #""dock""#, #"must be one of "inbound", "storage", "outbound", "in_transit", "customer""#),
        ("credit_hold.placed", ["data", "open_balance"], #""27,315.40""#, #"must be a decimal string such as "-12.50""#),
        ("credit_hold.placed", ["data", "orders_held", 1], #""""#, "must be an identifier of 1 to 100 characters without leading or trailing spaces"),
        ("chargeback.raised", ["data", "amount"], #""0.00""#, #"must be a positive decimal string such as "12.50""#),
        ("customer_invoice.disputed", ["data", "disputed_amount"], #""-4.00""#, #"must be a positive decimal string such as "12.50""#),
    ]

    @Test(arguments: wrongValues)
    func aWrongValueIsReportedAtItsPath(
        type: String, path: [JSONStep], value: String, message: String
    ) throws {
        let catalog = try CatalogFixtures.catalog()
        let example = try CatalogFixtures.validExample(type)
        let broken = example.replacing(path, with: try JSONParser().parse(value))
        let expected = [Violation(path: path.violationPath, message: message)]
        #expect(catalog.violations(of: broken) == expected, "\(type) \(path.violationPath) = \(value)")
    }

    @Test func theBriefsExamplePathIsReported() throws {
        let catalog = try CatalogFixtures.catalog()
        let invoice = try JSONParser().parse(try CatalogFixtures.sharedExample("invoice.received"))
        let broken = invoice.replacing(["data", "lines", 1, "quantity"], with: .number("20"))
        do {
            _ = try catalog.validate(broken)
            Issue.record("expected a violation")
        } catch {
            #expect(error.code == "invalid_event")
            #expect(error.field == "$.data.lines[1].quantity")
            #expect(
                error.message
                    == #"invoice.received v1 event is invalid (1 violation): $.data.lines[1].quantity: must be a positive decimal string such as "12.50""#
            )
        }
    }

    @Test func severalProblemsAreAllReported() throws {
        let catalog = try CatalogFixtures.catalog()
        var receipt = try JSONParser().parse(try CatalogFixtures.sharedExample("goods_receipt.posted"))
        receipt = receipt.replacing(["data", "received_by"], with: nil)
        receipt = receipt.replacing(["data", "lines", 0, "quantity"], with: .string("1000.5.0"))
        receipt = receipt.replacing(["data", "lines", 1, "uom"], with: nil)
        #expect(
            catalog.violations(of: receipt).map(\.path) == [
                "$.data.received_by", "$.data.lines[0].quantity", "$.data.lines[1].uom",
            ])
    }

    // MARK: Things that are allowed

    @Test func extraDataFieldsAreAllowedEverywhereButTheEnvelopeIsClosed() throws {
        let catalog = try CatalogFixtures.catalog()
        var invoice = try JSONParser().parse(try CatalogFixtures.sharedExample("invoice.received"))
        invoice = invoice.replacing(["data", "erp_company_code"], with: .string("1000"))
        invoice = invoice.replacing(["data", "lines", 0, "gl_account"], with: .string("5000-100"))
        invoice = invoice.replacing(["data", "supplier", "vat_id"], with: .string("GB123456789"))
        #expect(catalog.violations(of: invoice) == [])
        invoice = invoice.replacing(["erp_company_code"], with: .string("1000"))
        #expect(catalog.violations(of: invoice) == [Violation(path: "$.erp_company_code", message: "is not allowed")])
    }

    @Test func theOptionalEnvelopeFieldsAreAccepted() throws {
        let catalog = try CatalogFixtures.catalog()
        var order = try JSONParser().parse(try CatalogFixtures.sharedExample("purchase_order.created"))
        order = order.replacing(["schema_version"], with: .number("1"))
        order = order.replacing(["caused_by"], with: .string("edi-850:ISA000000123"))
        order = order.replacing(["traceparent"], with: .string("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"))
        let validated = try catalog.validate(order)
        #expect(validated.causedBy == "edi-850:ISA000000123")
        #expect(validated.traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
        let v2 = order.replacing(["schema_version"], with: .number("2"))
        #expect(throws: EventError.self) { try catalog.validate(v2) }
    }

    @Test(arguments: [
        ("2026-11-05T14:02:00Z"), ("2026-11-05T14:02:00.123456+05:30"), ("2026-11-05t14:02:00z"),
    ])
    func occurredAtTakesAnyRFC3339DateTime(text: String) throws {
        let catalog = try CatalogFixtures.catalog()
        let order = try JSONParser().parse(try CatalogFixtures.sharedExample("purchase_order.created"))
        #expect(catalog.violations(of: order.replacing(["occurred_at"], with: .string(text))) == [])
    }

    // MARK: The shared definitions

    /// Checks `value` against one `$defs` entry of the real catalog.
    func violations(definition: String, _ value: JSONValue) throws -> [Violation] {
        let document = try CatalogFixtures.schemaDocument("invoice.received")
        let defs = try #require(document["$defs"])
        let probe = JSONValue.object(["$defs": defs, "$ref": .string("#/$defs/\(definition)")])
        var validator = SchemaValidator(schema: try SchemaCompiler.compile(document: probe), maxViolations: 10)
        validator.validate(value)
        return validator.violations
    }

    /// (text, valid as `decimal`, as `non_negative_decimal`, as `positive_decimal`)
    static let decimals: [(String, Bool, Bool, Bool)] = [
        ("0", true, true, false),
        ("0.00", true, true, false),
        ("0.000000", true, true, false),
        ("-0", true, false, false),
        ("1", true, true, true),
        ("12.50", true, true, true),
        ("0.000001", true, true, true),
        ("0.1240", true, true, true),
        ("999999999999999.999999", true, true, true),
        ("-12.50", true, false, false),
        ("-0.01", true, false, false),
        ("", false, false, false),
        ("01", false, false, false),
        ("-01", false, false, false),
        ("1.", false, false, false),
        (".5", false, false, false),
        ("+1", false, false, false),
        ("1e3", false, false, false),
        ("1E3", false, false, false),
        ("1,000", false, false, false),
        ("1 000", false, false, false),
        (" 1", false, false, false),
        ("1 ", false, false, false),
        ("12.50\n", false, false, false),
        ("1.0000001", false, false, false),
        ("1000000000000000", false, false, false),
        ("0x10", false, false, false),
        ("NaN", false, false, false),
        ("Infinity", false, false, false),
        ("١٢", false, false, false),
        ("12.5.0", false, false, false),
        ("--1", false, false, false),
    ]

    @Test(arguments: decimals)
    func decimalStrings(text: String, decimal: Bool, nonNegative: Bool, positive: Bool) throws {
        #expect(try violations(definition: "decimal", .string(text)).isEmpty == decimal, "decimal \(text)")
        #expect(try violations(definition: "non_negative_decimal", .string(text)).isEmpty == nonNegative, "non-negative \(text)")
        #expect(try violations(definition: "positive_decimal", .string(text)).isEmpty == positive, "positive \(text)")
    }

    @Test func decimalsMustBeStrings() throws {
        for name in ["decimal", "non_negative_decimal", "positive_decimal"] {
            #expect(try violations(definition: name, .number("12.50")).count == 1)
        }
    }

    @Test(arguments: [
        ("currency", "USD", true), ("currency", "EUR", true), ("currency", "usd", false), ("currency", "US", false),
        ("currency", "USDD", false), ("currency", "U5D", false), ("currency", "USD\n", false),
        ("user", "ap.clerk.ana@client.example", true), ("user", "jdoe", true), ("user", #"CORP\jdoe"#, true),
        ("user", "", false), ("user", "Ana Lopez", false), ("user", "ana\t", false),
        ("user", String(repeating: "u", count: 254), true), ("user", String(repeating: "u", count: 255), false),
        ("identifier", "PO-1001", true), ("identifier", "DN 88123", true), ("identifier", "x", true),
        ("identifier", "", false), ("identifier", " PO", false), ("identifier", "PO ", false),
        ("identifier", "PO\n1", false), ("identifier", "PO\u{2028}1", false),
        ("identifier", String(repeating: "i", count: 100), true), ("identifier", String(repeating: "i", count: 101), false),
        ("uom", "EA", true), ("uom", "BOX", true), ("uom", "C62", true), ("uom", "kg", true), ("uom", "M2", true),
        ("uom", "", false), ("uom", "E A", false), ("uom", "EA ", false), ("uom", "-EA", false),
        ("uom", String(repeating: "U", count: 16), true), ("uom", String(repeating: "U", count: 17), false),
        ("date", "2026-11-06", true), ("date", "2026-11-6", false), ("date", "2026-11-06T00:00:00Z", false),
    ])
    func sharedStringDefinitions(definition: String, text: String, valid: Bool) throws {
        #expect(try violations(definition: definition, .string(text)).isEmpty == valid, "\(definition) \(text.debugDescription)")
    }

    // MARK: Conventions every schema keeps

    @Test func everySchemaFollowsTheCatalogConventions() throws {
        var definitions: [String: (file: String, value: JSONValue)] = [:]
        for type in CatalogFixtures.eventTypes {
            let document = try CatalogFixtures.schemaDocument(type)
            let walk = SchemaWalk(document)
            // The envelope: closed, with exactly the known fields.
            #expect(document["additionalProperties"] == .bool(false), "\(type)")
            #expect(
                document["properties"]?.objectValue.map { Set($0.keys) }
                    == ["type", "id", "occurred_at", "source", "data", "schema_version", "caused_by", "traceparent"],
                "\(type)")
            #expect(document["properties"]?["schema_version"]?["const"] == .number("1"), "\(type)")
            // Inside data, extra fields are allowed everywhere: no additionalProperties at all.
            let data = try #require(document["properties"]?["data"])
            #expect(!data.serialized().contains("additionalProperties"), "\(type)")
            #expect(!(document["$defs"]?.serialized().contains("additionalProperties") ?? false), "\(type)")
            // Shared definitions are spelled the same in every file.
            for (name, value) in document["$defs"]?.objectValue ?? [:] {
                if let earlier = definitions[name] {
                    #expect(earlier.value == value, "$defs/\(name) differs between \(earlier.file) and \(type)")
                } else {
                    definitions[name] = (type, value)
                }
            }
            // Field names say what they hold.
            var hasMoney = false
            for (path, name, schema) in walk.properties(in: data, path: "$.data") {
                let ref = schema["$ref"]?.stringValue
                if SchemaWalk.isMoney(name) || SchemaWalk.isQuantity(name) {
                    #expect(
                        ["#/$defs/decimal", "#/$defs/non_negative_decimal", "#/$defs/positive_decimal"].contains(ref),
                        "\(type) \(path) must be a decimal string")
                }
                if SchemaWalk.isMoney(name) { hasMoney = true }
                if name.hasSuffix("_by") { #expect(ref == "#/$defs/user", "\(type) \(path) must be a user id") }
                if name == "currency" { #expect(ref == "#/$defs/currency", "\(type) \(path)") }
                if name.hasSuffix("_date") { #expect(ref == "#/$defs/date", "\(type) \(path) must be a date") }
                if name.hasSuffix("_number") || name == "sku" || name == "warehouse" || name == "location" {
                    #expect(ref == "#/$defs/identifier", "\(type) \(path) must be an identifier")
                }
                if name == "uom" { #expect(ref == "#/$defs/uom", "\(type) \(path)") }
                if name == "line" || name.hasSuffix("_line") {
                    #expect(ref == "#/$defs/line_number", "\(type) \(path) must be a line number")
                }
                if ["supplier", "customer", "carrier", "vendor"].contains(name) {
                    #expect(ref == "#/$defs/party", "\(type) \(path) must be a party")
                }
                if schema["type"] == .string("array") {
                    #expect(schema["maxItems"] != nil, "\(type) \(path) must bound its length")
                }
            }
            // Money is always in a document currency.
            if hasMoney {
                #expect(data["properties"]?["currency"] != nil, "\(type) has amounts but no currency")
            }
        }
        #expect(
            Set(definitions.keys) == [
                "currency", "date", "decimal", "identifier", "line_number", "name", "non_negative_decimal", "party",
                "positive_decimal", "text", "uom", "user",
            ])
    }
}

/// Reads a schema document the way the tests need: resolving `$ref`s to `$defs`.
struct SchemaWalk {
    let definitions: [String: JSONValue]

    init(_ document: JSONValue) {
        definitions = document["$defs"]?.objectValue ?? [:]
    }

    /// The schema with a `$ref` replaced by its definition (sibling keywords win).
    func resolved(_ schema: JSONValue) -> JSONValue {
        guard let ref = schema["$ref"]?.stringValue, ref.hasPrefix("#/$defs/"),
            let target = definitions[String(ref.dropFirst(8))], case .object(var merged) = resolved(target),
            case .object(let own) = schema
        else { return schema }
        for (key, value) in own where key != "$ref" { merged[key] = value }
        return .object(merged)
    }

    func required(of schema: JSONValue) -> [String] {
        resolved(schema)["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// Arrays of objects directly under `schema`'s properties, such as `lines`.
    func objectLists(in schema: JSONValue) -> [(name: String, items: JSONValue)] {
        let members = resolved(schema)["properties"]?.objectValue ?? [:]
        return members.keys.sorted().compactMap { name in
            guard let items = members[name].map(resolved)?["items"], resolved(items)["type"] == .string("object")
            else { return nil }
            return (name, items)
        }
    }

    /// `value` keeping only what `schema` requires, and only the first item of each list.
    func requiredOnly(_ value: JSONValue, schema: JSONValue) -> JSONValue {
        let schema = resolved(schema)
        switch value {
        case .object(let members):
            let properties = schema["properties"]?.objectValue ?? [:]
            let keep = Set(required(of: schema))
            var kept: [String: JSONValue] = [:]
            for (name, member) in members where keep.contains(name) {
                kept[name] = properties[name].map { requiredOnly(member, schema: $0) } ?? member
            }
            return .object(kept)
        case .array(let items):
            guard let first = items.first else { return value }
            return .array([schema["items"].map { requiredOnly(first, schema: $0) } ?? first])
        default:
            return value
        }
    }

    /// Paths of object members that `schema` does not declare.
    func undeclared(_ value: JSONValue, schema: JSONValue, path: String) -> [String] {
        let schema = resolved(schema)
        switch value {
        case .object(let members):
            guard let properties = schema["properties"]?.objectValue else { return [] }
            return members.keys.sorted().flatMap { name -> [String] in
                let child = SchemaValidator.append(name, to: path)
                guard let member = members[name], let propertySchema = properties[name] else { return [child] }
                return undeclared(member, schema: propertySchema, path: child)
            }
        case .array(let items):
            guard let itemSchema = schema["items"] else { return [] }
            return items.enumerated().flatMap { undeclared($1, schema: itemSchema, path: "\(path)[\($0)]") }
        default:
            return []
        }
    }

    /// Every property below `schema` (through items, not into `$defs`), with its path.
    func properties(in schema: JSONValue, path: String) -> [(path: String, name: String, schema: JSONValue)] {
        var found: [(path: String, name: String, schema: JSONValue)] = []
        let members = schema["properties"]?.objectValue ?? [:]
        for name in members.keys.sorted() {
            guard let property = members[name] else { continue }
            let childPath = path + "." + name
            found.append((childPath, name, property))
            found += properties(in: property, path: childPath)
            if let items = property["items"] {
                found += properties(in: items, path: childPath + "[]")
            }
        }
        return found
    }

    static func isMoney(_ name: String) -> Bool {
        name.hasSuffix("amount") || name.hasSuffix("price") || name.hasSuffix("cost")
            || ["freight", "tax", "total", "discount", "credit_limit", "open_balance"].contains(name)
    }

    static func isQuantity(_ name: String) -> Bool {
        name == "quantity" || name.hasSuffix("_quantity") || name == "uom_factor"
    }
}
