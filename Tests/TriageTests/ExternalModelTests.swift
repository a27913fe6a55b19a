import Events
import Finance
import Foundation
import Platform
import Synchronization
import Testing

@testable import Triage

@Suite("External model contract and fallback")
struct ExternalModelTests {
    let tenant = TriageFixtures.tenant

    var validAnswer: String {
        #"{"root_cause":"supplier_price_increase","resolution":"request_credit_memo","confidence":0.91,"labels":["price_variance"],"alternatives":[{"root_cause":"po_not_updated","resolution":"amend_purchase_order","confidence":0.06}],"reasons":["S3 raised prices twice this quarter"],"model":{"name":"partner-llm","version":"2026-02"}}"#
    }

    func decode(_ text: String) throws(ExternalModelError) -> ExternalModelResponse {
        try ExternalModelResponse.decode(Data(text.utf8))
    }

    @Test("a request encodes to the documented shape and decodes back")
    func requestRoundTrip() throws {
        let exception = TriageFixtures.exception(
            supplier: "S3", labels: [.priceVariance, .shortShipment], exposure: 125_000)
        let request = ExternalModelRequest(exception, knownRootCauses: [.supplierPriceIncrease, .partialDelivery])
        let json = try JSONParser().parse(request.encoded())
        #expect(json["schema"] == .string("countersign.triage.recommend.v1"))
        #expect(json["tenant"] == .string("acme"))
        #expect(json["exception"]?["labels"] == .array([.string("price_variance"), .string("short_shipment")]))
        #expect(json["exception"]?["variance_type"] == .string("price"))
        #expect(json["exception"]?["exposure"]?["minor_units"] == .number("125000"))
        let decoded = try ExternalModelRequest.decode(request.encoded())
        #expect(decoded.tenant == tenant)
        #expect(decoded.features.labels == [.priceVariance, .shortShipment])
        #expect(decoded.features.amountBand == .under10k)
        #expect(json["exception"]?["day_of_week"] == .string("sunday"))
        #expect(decoded.features == CaseFeatures(exception))
        #expect(decoded.exposure == TriageFixtures.usd(125_000))
        #expect(decoded.knownRootCauses == [.supplierPriceIncrease, .partialDelivery])
    }

    @Test("a valid answer decodes, and encodes back to the same value")
    func responseRoundTrip() throws {
        let response = try decode(validAnswer)
        #expect(response.rootCause == .supplierPriceIncrease)
        #expect(response.resolution == .requestCreditMemo)
        #expect(response.confidence == 0.91)
        #expect(response.labels == [.priceVariance])
        #expect(response.alternatives.first?.rootCause == .poNotUpdated)
        #expect(response.model == ModelIdentity(name: "partner-llm", version: "2026-02"))
        #expect(try ExternalModelResponse.decode(response.encoded()) == response)
    }

    @Test(
        "invalid answers are typed errors",
        arguments: [
            (
                #"{"root_cause":"x","resolution":"y","confidence":1.5,"model":{"name":"m","version":"1"}}"#,
                "external_confidence_out_of_range", "confidence"
            ),
            (
                #"{"root_cause":"x","resolution":"y","confidence":-0.01,"model":{"name":"m","version":"1"}}"#,
                "external_confidence_out_of_range", "confidence"
            ),
            (
                #"{"root_cause":"x","resolution":"y","confidence":0.5,"labels":["telepathy"],"model":{"name":"m","version":"1"}}"#,
                "external_unknown_label", "labels"
            ),
            (
                #"{"root_cause":"Price Up!","resolution":"y","confidence":0.5,"model":{"name":"m","version":"1"}}"#,
                "external_invalid_code", "root_cause"
            ),
            (
                #"{"root_cause":"x","resolution":"y","confidence":"high","model":{"name":"m","version":"1"}}"#,
                "external_invalid_shape", "confidence"
            ),
            (#"{"root_cause":"x","resolution":"y","confidence":0.5}"#, "external_invalid_shape", "model"),
            (
                #"{"root_cause":"x","resolution":"y","confidence":0.5,"alternatives":[{"root_cause":"z","resolution":"w","confidence":2}],"model":{"name":"m","version":"1"}}"#,
                "external_confidence_out_of_range", "alternatives[0].confidence"
            ),
            (#"{"root_cause":"x","#, "external_invalid_json", nil),
        ] as [(String, String, String?)])
    func invalidAnswers(body: String, code: String, field: String?) throws {
        let error = try #require(throws: ExternalModelError.self) { try decode(body) }
        #expect(error.code == code)
        #expect(error.field == field)
        #expect(error.httpStatus == 502)
    }

    // MARK: - Fallback

    struct EndpointDown: CodedError {
        var code: String { "endpoint_down" }
        var message: String { "the model endpoint refused the connection" }
        var httpStatus: Int { 503 }
    }

    func builtIn() throws -> BuiltInRecommender {
        BuiltInRecommender(
            model: try TenantModel.train(
                tenant: tenant, cases: DemoHistory.generate(tenant: tenant, count: 800, seed: 12)))
    }

    let exception = TriageFixtures.exception(supplier: "S2", labels: [.shortShipment], exposure: 40_000)

    @Test("a valid answer in time is the external model's")
    func externalAnswers() async throws {
        let seen = Mutex<ExternalModelRequest?>(nil)
        let answer = Data(validAnswer.utf8)
        let recommender = FallbackRecommender(builtIn: try builtIn(), timeout: .seconds(2), clock: ManualClock()) {
            request in
            seen.withLock { $0 = request }
            return answer
        }
        let answered = try await recommender.recommend(for: exception)
        #expect(answered.source == .external)
        #expect(answered.recommendation.rootCause == .supplierPriceIncrease)
        #expect(answered.recommendation.model.name == "partner-llm")
        let request = try #require(seen.withLock { $0 })
        #expect(request.exceptionID == exception.id)
        #expect(request.knownRootCauses.contains(.partialDelivery))
    }

    @Test("a slow external model times out and the built-in model answers")
    func slow() async throws {
        let clock = ManualClock()
        let recommender = FallbackRecommender(builtIn: try builtIn(), timeout: .seconds(2), clock: clock) { _ in
            // Time passes beyond the timeout while the call is still out; the call then hangs until cancelled.
            clock.advance(by: .seconds(3))
            try await Task.sleep(for: .seconds(3_600))
            return Data()
        }
        let answered = try await recommender.recommend(for: exception)
        #expect(answered.source == .builtIn(fallbackReason: .timeout))
        #expect(answered.recommendation.rootCause == .partialDelivery)
        #expect(answered.recommendation.model == TenantModel.identity)
        #expect(!answered.recommendation.similarCases.isEmpty)
    }

    @Test("an external model that is down falls back, reporting its error code")
    func down() async throws {
        let recommender = FallbackRecommender(builtIn: try builtIn(), timeout: .seconds(2), clock: ManualClock()) { _ in
            throw EndpointDown()
        }
        let answered = try await recommender.recommend(for: exception)
        #expect(answered.source == .builtIn(fallbackReason: .externalError(code: "endpoint_down")))
        #expect(answered.source.fallbackReason?.code == "external_error:endpoint_down")
        #expect(answered.recommendation.rootCause == .partialDelivery)
    }

    @Test("an answer that breaks the contract falls back, reporting why")
    func invalid() async throws {
        let body = Data(
            #"{"root_cause":"x","resolution":"y","confidence":1.7,"model":{"name":"m","version":"1"}}"#.utf8)
        let recommender = FallbackRecommender(builtIn: try builtIn(), timeout: .seconds(2), clock: ManualClock()) { _ in
            body
        }
        let answered = try await recommender.recommend(for: exception)
        #expect(answered.source == .builtIn(fallbackReason: .invalidAnswer(code: "external_confidence_out_of_range")))
    }

    @Test("the built-in recommender answers as itself; both refuse another tenant's exception")
    func builtInAndIsolation() async throws {
        let builtIn = try builtIn()
        let answered = try await builtIn.recommend(for: exception)
        #expect(answered.source == .builtIn(fallbackReason: nil))
        let recommender = FallbackRecommender(builtIn: builtIn, timeout: .seconds(2), clock: ManualClock()) { _ in
            Data()
        }
        let foreign = TriageFixtures.exception(tenant: TriageFixtures.otherTenant)
        await #expect(throws: TriageError.self) { try await recommender.recommend(for: foreign) }
        await #expect(throws: TriageError.self) { try await builtIn.recommend(for: foreign) }
    }
}
