// swift-tools-version: 6.1
// ops/bench/tenants: provisions many tenants through the product's
// TenantService and rolls a new tenant migration out to all of them.
// A package of its own because the product ships a single executable.
import PackageDescription

let package = Package(
    name: "tenants-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "countersign", path: "../../..")
    ],
    targets: [
        .executableTarget(
            name: "TenantsBench",
            dependencies: [.product(name: "CountersignControlPlane", package: "countersign")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
