// swift-tools-version: 6.1
// Countersign: one executable, library modules per concern, no package dependencies.
// System C libraries (libpq, OpenSSL 3) come from the OS vendor through module maps.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "countersign",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "countersign", targets: ["countersign"]),
        // For ops/bench/countersign-server only, which measures the HTTP server on its own.
        .library(name: "CountersignHTTP", targets: ["HTTP"]),
        // For ops/bench/tenants-bench only, which provisions tenants without the CLI's process overhead.
        .library(
            name: "CountersignControlPlane", targets: ["ControlPlane", "Postgres", "SchemaMigration", "Cryptography"]),
        // For ops/bench/events-bench only, which times parsing, validating and serialising one event.
        .library(name: "CountersignEvents", targets: ["Events"]),
        // For ops/bench/mapping-bench only, which times mapping against parsing and validating an event.
        .library(name: "CountersignMapping", targets: ["Mapping", "Events"]),
        // For ops/bench/triage only, which times one recommendation against a large resolved history.
        .library(name: "CountersignTriage", targets: ["Triage"]),
    ],
    targets: [
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // epoll, eventfd and accept4, which Swift's Glibc module does not export.
        .target(name: "CLinux"),

        .target(name: "Platform", swiftSettings: strict),
        .target(name: "Telemetry", dependencies: ["Platform"], swiftSettings: strict),
        .target(name: "Events", dependencies: ["Platform"], swiftSettings: strict),
        // Pure finance logic (money, matching, allocation): no I/O, tested exhaustively.
        .target(name: "Finance", dependencies: ["Platform"], swiftSettings: strict),
        .target(name: "Expressions", dependencies: ["Platform", "Finance"], swiftSettings: strict),
        .target(name: "Cryptography", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "Webhooks", dependencies: ["Platform", "Cryptography"], swiftSettings: strict),
        .target(name: "HTTP", dependencies: ["Platform", "Telemetry", "COpenSSL", "CLinux"], swiftSettings: strict),
        .target(name: "Postgres", dependencies: ["CLibPQ", "Platform", "Telemetry"], swiftSettings: strict),
        .target(
            name: "SchemaMigration", dependencies: ["Postgres", "Cryptography", "Telemetry"],
            swiftSettings: strict),
        .target(
            name: "ControlPlane",
            dependencies: ["Platform", "Telemetry", "Cryptography", "Postgres", "SchemaMigration"],
            swiftSettings: strict),
        .target(
            name: "Ingest",
            dependencies: ["Platform", "Telemetry", "Cryptography", "Postgres", "Events", "ControlPlane"],
            swiftSettings: strict),
        .target(
            name: "Delivery",
            dependencies: ["Platform", "Telemetry", "Cryptography", "Postgres", "HTTP", "Webhooks", "ControlPlane"],
            swiftSettings: strict),
        .target(
            name: "Engine",
            dependencies: [
                "Platform", "Telemetry", "Cryptography", "Postgres", "Events", "Finance", "Expressions", "ControlPlane",
                "Triage", "Assistance",
            ],
            swiftSettings: strict),
        .target(
            name: "API",
            dependencies: [
                "HTTP", "Postgres", "SchemaMigration", "ControlPlane", "Events", "Finance", "Ingest", "Delivery", "Engine",
                "Webhooks", "Telemetry", "Platform", "Portal", "Metrics", "Billing", "Metering", "Middleware",
            ],
            swiftSettings: strict),
        .target(
            name: "CLI",
            dependencies: [
                "Platform", "Telemetry", "Cryptography", "HTTP", "Postgres", "SchemaMigration", "ControlPlane", "Events",
                "Ingest", "Delivery", "Engine", "API", "Finance", "Billing", "Metering", "Portal", "Metrics", "Middleware",
                "Triage", "Assistance",
            ],
            swiftSettings: strict),
        // Prometheus metrics: lock-free recording, bounded series, scrape-time collectors.
        .target(name: "Metrics", dependencies: ["Platform"], swiftSettings: strict),
        // Plans, price books, statements, credit notes and MRR: pure computation, no I/O.
        .target(name: "Billing", dependencies: ["Platform", "Finance"], swiftSettings: strict),
        // ANSI X12 (850/856/810/997): parse, check envelopes, map to canonical events, acknowledge — no I/O.
        .target(name: "EDI", dependencies: ["Platform", "Events", "Finance"], swiftSettings: strict),
        // Portal HTML: strict escaping templates, accessible SVG charts, brand colours; pure, no I/O at render time.
        .target(name: "Rendering", dependencies: ["Platform"], exclude: ["README.md"], swiftSettings: strict),
        // Declarative source mappings: partner JSON documents compiled into plans that map payloads to canonical events — no I/O.
        .target(name: "Mapping", dependencies: ["Platform", "Events", "Finance"], swiftSettings: strict),
        // Usage meters, price books, statements and recounts against storage; the arithmetic is Billing's.
        .target(
            name: "Metering",
            dependencies: ["Platform", "Telemetry", "Cryptography", "Postgres", "ControlPlane", "Finance", "Billing"],
            swiftSettings: strict),
        // The server-rendered, partner-branded portal: sign-in, queue, task decisions, audit trail.
        .target(
            name: "Portal",
            dependencies: [
                "Platform", "Telemetry", "Cryptography", "HTTP", "Postgres", "ControlPlane", "Events", "Engine", "Rendering",
                "Billing", "Metering", "Ingest", "Delivery",
            ],
            swiftSettings: strict),
        // Mapping deployments, reference tables, X12 and CSV on the ingest path: what turns partners' payloads into canonical events.
        .target(
            name: "Middleware",
            dependencies: [
                "Mapping", "EDI", "Events", "Ingest", "Postgres", "ControlPlane", "Platform", "Telemetry", "Cryptography",
            ],
            swiftSettings: strict),
        // Exception triage assistant: classification, priority, per-tenant recommendations, governance — no I/O.
        .target(
            name: "Triage", dependencies: ["Platform", "Finance", "Events"], exclude: ["README.md"], swiftSettings: strict),
        // The assistant against storage: resolved cases, recommendations, per-tenant model cache, the assist step's service.
        .target(
            name: "Assistance",
            dependencies: [
                "Triage", "Platform", "Finance", "Events", "Postgres", "ControlPlane", "Cryptography", "HTTP", "Webhooks",
            ],
            exclude: ["README.md"], swiftSettings: strict),
        .executableTarget(name: "countersign", dependencies: ["CLI"], swiftSettings: strict),
        .target(
            name: "TestSupport", dependencies: ["Platform", "Telemetry", "Postgres", "HTTP", "SchemaMigration", "CLinux"],
            swiftSettings: strict),

        .testTarget(name: "PlatformTests", dependencies: ["Platform"], swiftSettings: strict),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"], swiftSettings: strict),
        .testTarget(name: "FinanceTests", dependencies: ["Finance"], swiftSettings: strict),
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions"], swiftSettings: strict),
        .testTarget(name: "EventsTests", dependencies: ["Events"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "CryptographyTests", dependencies: ["Cryptography"], swiftSettings: strict),
        .testTarget(name: "WebhooksTests", dependencies: ["Webhooks"], swiftSettings: strict),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "SchemaMigrationTests", dependencies: ["SchemaMigration", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "ControlPlaneTests", dependencies: ["ControlPlane", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "APITests", dependencies: ["API", "Ingest", "Delivery", "Engine", "Events", "Webhooks", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "CLI", "TestSupport", "ControlPlane", "Delivery", "Engine", "Events", "Ingest", "HTTP", "Webhooks",
                "Cryptography",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "PortalTests", dependencies: ["Portal", "Rendering"],
            swiftSettings: strict),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BillingTests", dependencies: ["Billing", "Finance"], swiftSettings: strict),
        .testTarget(name: "EDITests", dependencies: ["EDI", "Events", "Finance"], swiftSettings: strict),
        .testTarget(name: "RenderingTests", dependencies: ["Rendering"], swiftSettings: strict),
        .testTarget(
            name: "MappingTests", dependencies: ["Mapping", "Events"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "MeteringTests",
            dependencies: [
                "Metering", "Billing", "Finance", "ControlPlane", "Postgres", "SchemaMigration", "Cryptography", "Ingest",
                "Events", "Engine", "Delivery", "TestSupport",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "MiddlewareTests",
            dependencies: [
                "Middleware", "API", "CLI", "Mapping", "EDI", "Engine", "Events", "Ingest", "ControlPlane", "Postgres",
                "SchemaMigration", "Cryptography", "Webhooks", "HTTP", "TestSupport",
            ],
            swiftSettings: strict),
        .testTarget(name: "TriageTests", dependencies: ["Triage", "Finance", "Events", "Platform"], swiftSettings: strict),
        .testTarget(
            name: "AssistanceTests",
            dependencies: [
                "Assistance", "Triage", "Engine", "CLI", "ControlPlane", "Postgres", "SchemaMigration", "Cryptography", "Ingest",
                "Events", "Finance", "HTTP", "Webhooks", "TestSupport",
            ],
            swiftSettings: strict),
    ]
)
