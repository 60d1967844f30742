// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "cora",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cora", targets: ["cora"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Envelope, canonical JSON, ids, clock, problem codes and the store port. No I/O.
        .target(
            name: "CoraKernel",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The Data module and its neighbours' minimal slices: domain core plus one handler per slice.
        .target(name: "CoraData", dependencies: ["CoraKernel"], swiftSettings: strict),
        // The wire format: request parsing, JSON Schemas, representations, and the runner that orders the checks.
        .target(name: "CoraWire", dependencies: ["CoraKernel", "CoraData"], swiftSettings: strict),
        // Embedded event store (default).
        .target(
            name: "CoraStoreSQLite",
            dependencies: [
                "CoraKernel", "CoraData",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The production store: several server processes on one PostgreSQL.
        .target(
            name: "CoraStorePostgres",
            dependencies: [
                "CoraKernel", "CoraData",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Who is calling: bearer tokens from the facility's identity provider, verified against its key set.
        .target(
            name: "CoraIdentity",
            dependencies: [
                "CoraKernel",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The catalog's pages for people: views of the slices' outputs, templates, the lineage picture.
        .target(
            name: "CoraPages",
            dependencies: ["CoraKernel", "CoraData", .product(name: "Mustache", package: "swift-mustache")],
            resources: [.copy("Templates"), .copy("Static")],
            swiftSettings: strict
        ),
        // REST surface on Hummingbird.
        .target(
            name: "CoraHTTP",
            dependencies: [
                "CoraKernel", "CoraData", "CoraWire", "CoraMCP", "CoraIdentity", "CoraPages",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // MCP surface: one tool per slice over the official swift-sdk.
        .target(
            name: "CoraMCP",
            dependencies: [
                "CoraKernel", "CoraData", "CoraWire",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The one composition root: CLI and buildApplication(config).
        .executableTarget(
            name: "cora",
            dependencies: [
                "CoraKernel", "CoraData", "CoraWire", "CoraStoreSQLite", "CoraStorePostgres", "CoraHTTP", "CoraMCP", "CoraIdentity", "CoraPages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CoraTestSupport",
            dependencies: [
                "CoraKernel", "CoraData", "CoraWire", "CoraStoreSQLite", "CoraStorePostgres",
                "CoraIdentity",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/CoraTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "CoraKernelTests", dependencies: ["CoraKernel"], swiftSettings: strict),
        .testTarget(
            name: "CoraDataTests",
            dependencies: ["CoraKernel", "CoraData", "CoraTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        // The shape of the code itself: layers, slices in every layer, fixed-shape SQL.
        .testTarget(
            name: "ArchitectureTests",
            dependencies: ["CoraKernel", "CoraData", "CoraWire", "CoraHTTP", "CoraMCP", "CoraStorePostgres"],
            swiftSettings: strict
        ),
        .testTarget(name: "CoraPagesTests", dependencies: ["CoraKernel", "CoraData", "CoraPages"], swiftSettings: strict),
        .testTarget(name: "CoraWireTests", dependencies: ["CoraKernel", "CoraData", "CoraWire", "CoraTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "StoreConformanceTests",
            dependencies: [
                "CoraKernel", "CoraData", "CoraWire", "CoraStoreSQLite", "CoraStorePostgres", "CoraTestSupport",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CoraHTTPTests",
            dependencies: [
                "CoraKernel", "CoraData", "CoraWire", "CoraStoreSQLite", "CoraHTTP", "CoraMCP", "CoraIdentity", "CoraTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            exclude: ["Resources", "Golden"],
            swiftSettings: strict
        ),
        // Drives the real `cora` executable; depends on it so `swift test` builds it first.
        .testTarget(
            name: "CoraProcessTests",
            dependencies: [
                "CoraKernel", "cora", "CoraTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            exclude: ["Resources"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
