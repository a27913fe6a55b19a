// swift-tools-version: 6.1
// ops/bench/mapping: times applying the generic ERP source mapping to a ~1 KB
// payload against the CPU work ingest does per canonical event anyway
// (parse + validate), without HTTP or PostgreSQL. A package of its own because
// the product ships a single executable.
import PackageDescription

let package = Package(
    name: "mapping-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "countersign", path: "../../..")
    ],
    targets: [
        .executableTarget(
            name: "MappingBench",
            dependencies: [.product(name: "CountersignMapping", package: "countersign")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
