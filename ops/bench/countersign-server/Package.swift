// swift-tools-version: 6.1
// Countersign's side of ops/bench/http: the product's HTTP server with the
// same two routes as the Hummingbird peer. A package of its own because the
// product ships a single executable; it reaches the HTTP module through the
// root package's `CountersignHTTP` library product. The dependency is named
// explicitly because a path dependency's identity is its folder name, which
// differs between checkouts.
import PackageDescription

let package = Package(
    name: "countersign-server",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "countersign", path: "../../..")
    ],
    targets: [
        .executableTarget(
            name: "CountersignBench",
            dependencies: [.product(name: "CountersignHTTP", package: "countersign")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
