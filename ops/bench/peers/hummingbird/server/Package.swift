// swift-tools-version: 6.1
// Benchmark peer only, never a dependency of the product: a Hummingbird 2
// server with the same two routes as ops/bench/countersign-server, so that
// `ops/bench/http` compares like with like. It sits one folder down because a
// root package's identity is its folder name, and a folder named "hummingbird"
// would collide with the dependency of the same identity.
import PackageDescription

let package = Package(
    name: "hummingbird-peer",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1")
    ],
    targets: [
        .executableTarget(
            name: "HummingbirdBench",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
