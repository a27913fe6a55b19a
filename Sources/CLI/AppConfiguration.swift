import API
import ControlPlane
import Cryptography
import Foundation
import Platform
import Postgres
import Telemetry

/// Every setting of the `countersign` process, resolved from flags, then
/// environment, then the optional JSON config file (`--config`,
/// `COUNTERSIGN_CONFIG`), then the defaults documented here.
public struct AppConfiguration: Sendable {
    /// libpq URI (`DATABASE_URL`); empty means libpq's `PG*` variables.
    public var databaseURL: String = ""
    /// Interface to listen on (`COUNTERSIGN_HOST`). Default 127.0.0.1.
    public var host: String = "127.0.0.1"
    /// TCP port (`COUNTERSIGN_PORT`); 0 picks a free one. Default 8080.
    public var port: Int = 8080
    /// Minimum log level (`COUNTERSIGN_LOG_LEVEL`). Default info.
    public var logLevel: LogLevel = .info
    /// File with the base64 master key that seals secrets (`COUNTERSIGN_MASTER_KEY_FILE`).
    public var masterKeyFile: String?
    /// Folder holding Migrations/, Portal/, Templates/, Tenants/ (`COUNTERSIGN_ROOT`); found automatically when unset.
    public var root: URL?
    /// Maximum database connections of this process (`COUNTERSIGN_DB_POOL_SIZE`). Default 10.
    public var databasePoolSize: Int = 10
    /// Per-key rate limits for the API authenticator.
    var rateLimits: CredentialAuthenticator.Configuration {
        var limits = CredentialAuthenticator.Configuration()
        limits.perSecond = apiKeyRate
        limits.burst = apiKeyBurst
        return limits
    }

    /// The tenant pool group's budget from the two settings below.
    var tenantDatabasesConfiguration: TenantDatabases.Configuration {
        .init(maximumConnections: tenantPoolSize, maximumConnectionsPerKey: min(connectionsPerTenant, tenantPoolSize))
    }

    /// Connections for tenant-scoped work, across all tenants' pools.
    public var tenantPoolSize: Int = 32
    /// The most of those one tenant may hold: ingest commits up to eight
    /// batches per tenant at once, and the worker needs some besides.
    public var connectionsPerTenant: Int = 10
    /// Sustained requests per second and burst allowed per API key.
    public var apiKeyRate: Double = 50
    public var apiKeyBurst: Int = 100
    /// `serve` also delivers outbound webhooks (the embedded worker).
    public var embeddedWorker = true
    /// Lets webhook endpoints resolve to loopback and private addresses:
    /// for development and tests only, since it opens the door to SSRF.
    public var allowPrivateWebhookTargets = false
    /// Seconds a worker's claim on an endpoint lasts unrenewed: the takeover delay after a crash.
    public var deliveryLeaseSeconds = 30
    /// How long a tenant's workflow runtime stays with a worker that stopped renewing its lease.
    public var engineLeaseSeconds = 15
    /// Time allowed for in-flight requests at shutdown, in seconds (`COUNTERSIGN_SHUTDOWN_GRACE`). Default 10.
    public var shutdownGraceSeconds: Int = 10
    /// PEM certificate chain and private key for HTTPS (`COUNTERSIGN_TLS_CERT`, `COUNTERSIGN_TLS_KEY`).
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Usage metering and metrics collection (`--metering`, `COUNTERSIGN_METERING`). Default on.
    ///
    /// Off exists only so that `ops/bench/ingest --compare-metering` can
    /// measure what metering and metrics cost: nothing is counted into
    /// `usage_counters` (so nothing is billed; `api_calls` cannot even be
    /// recounted later), HTTP and work metrics are not recorded, and
    /// `/metrics` is not served. Never run an install that bills with it off.
    public var metering = true

    public init() {}

    /// (setting, environment variable, flag help) for every setting, in help order.
    public static let settings: [(name: String, environment: String, value: String, help: String)] = [
        ("database-url", "DATABASE_URL", "URL", "PostgreSQL connection URI (default: libpq PG* variables)"),
        ("host", "COUNTERSIGN_HOST", "ADDRESS", "interface to listen on (default 127.0.0.1)"),
        ("port", "COUNTERSIGN_PORT", "PORT", "TCP port, 0 for any free port (default 8080)"),
        ("log-level", "COUNTERSIGN_LOG_LEVEL", "LEVEL", "trace, debug, info, notice, warning, error, critical (default info)"),
        ("master-key-file", "COUNTERSIGN_MASTER_KEY_FILE", "FILE", "file holding the base64 32-byte master key"),
        ("root", "COUNTERSIGN_ROOT", "DIR", "folder with Migrations/, Portal/, Templates/ (default: found from cwd)"),
        ("db-pool-size", "COUNTERSIGN_DB_POOL_SIZE", "N", "maximum database connections (default 10)"),
        ("tenant-pool-size", "COUNTERSIGN_TENANT_POOL_SIZE", "N",
         "maximum connections logged in as tenant roles, all tenants together (default 32)"),
        ("connections-per-tenant", "COUNTERSIGN_CONNECTIONS_PER_TENANT", "N",
         "the most of those one tenant may hold (default 10)"),
        ("api-key-rate", "COUNTERSIGN_API_KEY_RATE", "N", "sustained requests per second per API key (default 50)"),
        ("api-key-burst", "COUNTERSIGN_API_KEY_BURST", "N", "requests one API key may burst above its rate (default 100)"),
        ("embedded-worker", "COUNTERSIGN_EMBEDDED_WORKER", "BOOL",
         "serve also delivers outbound webhooks: true or false (default true)"),
        ("allow-private-webhook-targets", "COUNTERSIGN_ALLOW_PRIVATE_WEBHOOK_TARGETS", "BOOL",
         "let endpoints be loopback or private addresses, for development only (default false)"),
        ("delivery-lease", "COUNTERSIGN_DELIVERY_LEASE", "SECONDS",
         "how long a worker holds an endpoint unrenewed; the takeover delay after a crash (default 30)"),
        ("engine-lease", "COUNTERSIGN_ENGINE_LEASE", "SECONDS",
         "how long a worker holds a tenant's workflow runtime unrenewed; the takeover delay after a crash (default 15)"),
        ("shutdown-grace", "COUNTERSIGN_SHUTDOWN_GRACE", "SECONDS", "time for in-flight requests at shutdown (default 10)"),
        ("tls-cert", "COUNTERSIGN_TLS_CERT", "FILE", "PEM certificate chain; enables HTTPS with --tls-key"),
        ("tls-key", "COUNTERSIGN_TLS_KEY", "FILE", "PEM private key for --tls-cert"),
        ("metering", "COUNTERSIGN_METERING", "on|off",
         "usage metering and metrics; off is for benchmarking only: usage goes uncounted and unbilled (default on)"),
    ]

    /// Option specs for the settings named in `names`, plus `--config`.
    public static func options(_ names: [String]) -> [OptionSpec] {
        [OptionSpec("config", value: "FILE", help: "JSON file with settings (also COUNTERSIGN_CONFIG)")]
            + settings.filter { names.contains($0.name) }.map { OptionSpec($0.name, value: $0.value, help: $0.help) }
    }

    /// Resolves and validates every setting; errors name the setting and its source.
    public static func load(flags: [String: String], environment: [String: String]) throws -> AppConfiguration {
        var reader = SettingsReader(flags: flags, environment: environment)
        if let path = flags["config"] ?? environment["COUNTERSIGN_CONFIG"] {
            reader = try reader.loadingFile(path, knownKeys: Set(settings.map(\.name)))
        }
        func env(_ name: String) -> String { settings.first { $0.name == name }?.environment ?? "" }

        var configuration = AppConfiguration()
        configuration.databaseURL = try reader.value(
            "database-url", environment: env("database-url"), default: "", expecting: "a libpq connection URI") { $0 }
        if let (_, source) = reader.raw("database-url", environmentName: env("database-url")) {
            do {
                try PostgresConfiguration(connectionString: configuration.databaseURL).validate()
            } catch let error as PostgresError {
                throw SettingError(setting: "database-url", source: source, problem: error.message)
            }
        }
        configuration.host = try reader.value(
            "host", environment: env("host"), default: "127.0.0.1", expecting: "an IP address or host name") {
                $0.isEmpty || $0.contains(" ") ? nil : $0
            }
        configuration.port = try reader.value(
            "port", environment: env("port"), default: 8080, expecting: "a port number 0-65535") {
                Int($0).flatMap { (0...65535).contains($0) ? $0 : nil }
            }
        configuration.logLevel = try reader.value(
            "log-level", environment: env("log-level"), default: .info,
            expecting: LogLevel.allCases.map(\.rawValue).joined(separator: "|")) { LogLevel(rawValue: $0) }
        configuration.masterKeyFile = try reader.optionalValue(
            "master-key-file", environment: env("master-key-file"),
            expecting: "a readable file holding a base64 32-byte key") { path in
                (try? MasterKey.keyRing(contents: MasterKey.readFile(path), source: path)) == nil ? nil : path
            }
        let rootSetting = reader.raw("root", environmentName: env("root"))
        configuration.root = ResourceRoot.locate(explicit: rootSetting?.0)
        if let (text, source) = rootSetting, configuration.root == nil {
            throw SettingError(setting: "root", source: source, problem: "'\(text)' has no \(ResourceRoot.marker) folder")
        }
        configuration.databasePoolSize = try reader.value(
            "db-pool-size", environment: env("db-pool-size"), default: 10, expecting: "an integer 1-1000") {
                Int($0).flatMap { (1...1000).contains($0) ? $0 : nil }
            }
        configuration.tenantPoolSize = try reader.value(
            "tenant-pool-size", environment: env("tenant-pool-size"), default: 32, expecting: "an integer 1-1000") {
                Int($0).flatMap { (1...1000).contains($0) ? $0 : nil }
            }
        configuration.connectionsPerTenant = try reader.value(
            "connections-per-tenant", environment: env("connections-per-tenant"), default: 10,
            expecting: "an integer 1-1000") { Int($0).flatMap { (1...1000).contains($0) ? $0 : nil } }
        configuration.apiKeyRate = try reader.value(
            "api-key-rate", environment: env("api-key-rate"), default: 50, expecting: "requests per second, 0.1-100000") {
                Double($0).flatMap { (0.1...100_000).contains($0) ? $0 : nil }
            }
        configuration.apiKeyBurst = try reader.value(
            "api-key-burst", environment: env("api-key-burst"), default: 100, expecting: "an integer 1-1000000") {
                Int($0).flatMap { (1...1_000_000).contains($0) ? $0 : nil }
            }
        configuration.embeddedWorker = try reader.value(
            "embedded-worker", environment: env("embedded-worker"), default: true, expecting: "true or false",
            AppConfiguration.bool)
        configuration.allowPrivateWebhookTargets = try reader.value(
            "allow-private-webhook-targets", environment: env("allow-private-webhook-targets"), default: false,
            expecting: "true or false", AppConfiguration.bool)
        configuration.deliveryLeaseSeconds = try reader.value(
            "delivery-lease", environment: env("delivery-lease"), default: 30, expecting: "seconds 2-3600") {
                Int($0).flatMap { (2...3600).contains($0) ? $0 : nil }
            }
        configuration.engineLeaseSeconds = try reader.value(
            "engine-lease", environment: env("engine-lease"), default: 15, expecting: "seconds 2-3600") {
                Int($0).flatMap { (2...3600).contains($0) ? $0 : nil }
            }
        configuration.shutdownGraceSeconds = try reader.value(
            "shutdown-grace", environment: env("shutdown-grace"), default: 10, expecting: "seconds 0-3600") {
                Int($0).flatMap { (0...3600).contains($0) ? $0 : nil }
            }
        configuration.tlsCertificate = try reader.optionalValue(
            "tls-cert", environment: env("tls-cert"), expecting: "a readable PEM file") {
                FileManager.default.isReadableFile(atPath: $0) ? $0 : nil
            }
        configuration.tlsKey = try reader.optionalValue(
            "tls-key", environment: env("tls-key"), expecting: "a readable PEM file") {
                FileManager.default.isReadableFile(atPath: $0) ? $0 : nil
            }
        configuration.metering = try reader.value(
            "metering", environment: env("metering"), default: true, expecting: "on or off") {
                switch $0 {
                case "on": true
                case "off": false
                default: nil
                }
            }
        if (configuration.tlsCertificate == nil) != (configuration.tlsKey == nil) {
            throw SettingError(
                setting: configuration.tlsCertificate == nil ? "tls-cert" : "tls-key", source: .defaultValue,
                problem: "--tls-cert and --tls-key must be given together")
        }
        return configuration
    }

    public var postgres: PostgresConfiguration { PostgresConfiguration(connectionString: databaseURL) }

    /// The root folder, or an error explaining how to set it.
    public func requireRoot() throws -> URL {
        guard let root else {
            throw SettingError(
                setting: "root", source: .defaultValue,
                problem: "cannot find the folder holding \(ResourceRoot.marker); run from the repository or pass --root")
        }
        return root
    }

    /// The usage meter that `--metering` selects.
    public var usageMeter: UsageMeter { metering ? .enabled : .disabled }

    public func makeLogger(label: String) -> Logger {
        Logger(label: label, minimumLevel: logLevel, handler: JSONLinesLogHandler())
    }
}

extension AppConfiguration {
    /// The master key ring from `--master-key-file` (one base64 32-byte key per
    /// line, the first current); nil when no file is configured.
    public func masterKeyRing() throws -> KeyRing? {
        guard let path = masterKeyFile else { return nil }
        return try MasterKey.keyRing(contents: try MasterKey.readFile(path), source: "the master key file \(path)")
    }

    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "1", "on": true
        case "false", "no", "0", "off": false
        default: nil
        }
    }
}
