// swift-tools-version:6.1
import PackageDescription

// Kept apart from the service's package so that `swift test` at the root never builds it.
let package = Package(
    name: "cora-benchmarks",
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // The system libsqlite3, for the embedded ceiling: a raw transaction with no server around it.
        .systemLibrary(name: "CSQLite3", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .executableTarget(
            name: "cora-bench",
            dependencies: ["CSQLite3", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
