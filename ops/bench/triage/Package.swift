// swift-tools-version: 6.1
// ops/bench/triage: times one triage recommendation against a tenant model that learned
// 100,000 resolved cases, without PostgreSQL. A package of its own because the product
// ships a single executable.
import PackageDescription

let package = Package(
    name: "triage-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "countersign", path: "../../..")
    ],
    targets: [
        .executableTarget(
            name: "TriageBench",
            dependencies: [.product(name: "CountersignTriage", package: "countersign")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
