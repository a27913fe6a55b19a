// swift-tools-version: 6.1
// ops/bench/events: times the CPU work the server does per ingested event —
// JSON parsing, schema validation and canonical serialisation — on its own,
// without HTTP or PostgreSQL. A package of its own because the product ships
// a single executable.
import PackageDescription

let package = Package(
    name: "events-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "countersign", path: "../../..")
    ],
    targets: [
        .executableTarget(
            name: "EventsBench",
            dependencies: [.product(name: "CountersignEvents", package: "countersign")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
