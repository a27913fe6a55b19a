import Foundation
import HTTP
import Platform
import Postgres
import SchemaMigration
import Telemetry

/// Assembles everything `serve` answers with: the routes of every module in
/// front of one middleware chain, in which ``HTTP/ErrorMiddleware`` is the one
/// place errors become HTTP responses.
public struct Application: Sendable {
    public struct Dependencies: Sendable {
        public var logger: Logger
        public var health: HealthRoutes.Probe
        /// `Portal/static`, served under `/static/`; nil when the folder is absent.
        public var staticRoot: URL?

        public init(logger: Logger, health: HealthRoutes.Probe, staticRoot: URL?) {
            self.logger = logger
            self.health = health
            self.staticRoot = staticRoot
        }
    }

    public let responder: any HTTPResponder

    public init(_ dependencies: Dependencies) throws {
        var router = Router()
        try HealthRoutes(probe: dependencies.health).register(on: &router)
        if let staticRoot = dependencies.staticRoot,
            FileManager.default.fileExists(atPath: staticRoot.path)
        {
            let files = try StaticFiles(root: staticRoot.path)
            try router.get("/static/*path", files)
        }
        // Outermost first: ids exist before anything logs, errors are mapped
        // before the access log records the final status, and security
        // headers are added to error responses too.
        responder = router.withMiddleware([
            RequestIDMiddleware(),
            TraceContextMiddleware(),
            AccessLogMiddleware(logger: dependencies.logger.labelled("http")),
            SecurityHeadersMiddleware(),
            ErrorMiddleware(logger: dependencies.logger.labelled("http")),
        ])
    }
}
