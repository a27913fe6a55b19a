import ControlPlane
import Cryptography
import Foundation
import HTTP
import Triage
import Webhooks

/// Sends one recommendation request to a tenant's external model, signed like an outbound webhook.
///
/// The body is ``Triage/ExternalModelRequest``'s JSON; the `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` headers follow Standard Webhooks with the tenant's secret, so the endpoint
/// verifies it exactly as it verifies our event deliveries. Only a 2xx answer's body is returned;
/// deciding whether it is a valid answer is ``Triage/FallbackRecommender``'s job.
enum ExternalModelCall {
    static func send(
        _ request: ExternalModelRequest, to endpoint: AssistantSettings.ExternalEndpoint, tenant: Slug,
        access: ExternalModelAccess.Enabled, now: Date
    ) async throws -> Data {
        let key = try SettingsStore.openSecret(endpoint.sealedSecret, tenant: tenant, keyRing: access.keyRing)
        let body = Array(request.json.serialized().utf8)
        let signed = try StandardWebhooks.headers(
            id: try WebhookMessageID.generate(), timestamp: now, body: body, key: key)
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Accept": "application/json"]
        for (name, value) in signed.fields { headers.add(name, value) }
        let response = try await access.client.send(
            HTTPClientRequest(method: .post, url: endpoint.url, headers: headers, body: body))
        guard (200..<300).contains(response.status.code) else {
            throw AssistanceError(
                .externalUnavailable, "the external model answered HTTP \(response.status.code)", field: "status")
        }
        return Data(response.body)
    }
}
