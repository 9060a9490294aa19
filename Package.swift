// swift-tools-version:6.0
import PackageDescription

// The dependency graph is the architecture: C libraries at the bottom, the pipeline above the
// stages, and a thin executable on top. See README.md, "Architecture".
let package = Package(
    name: "dropscan",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dropscan", targets: ["dropscan"]),
        .library(name: "DropScan", targets: ["DropScan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CPCRE2", path: "Sources/CPCRE2", pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CPgQuery", path: "Sources/CPgQuery", providers: [.apt(["libpg-query-dev"])]),
        .systemLibrary(name: "CPq", path: "Sources/CPq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CIsal", path: "Sources/CIsal", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        .systemLibrary(
            name: "CHyperscan", path: "Sources/CHyperscan", pkgConfig: "libhs",
            providers: [.apt(["libvectorscan-dev"])]),
        .target(name: "ScanIO", dependencies: ["CZlib", "CIsal"]),
        .target(name: "Matching", dependencies: ["CPCRE2", "CHyperscan", "ScanIO"]),
        .target(name: "PostgresLog", dependencies: ["Matching", "ScanIO"]),
        .target(name: "Catalog"),
        .target(name: "ModelIndex", dependencies: ["Catalog"]),
        .target(name: "SQLResolution", dependencies: ["CPgQuery", "Matching", "Catalog"]),
        .target(name: "DatabaseEvidence", dependencies: ["CPq", "Matching", "SQLResolution"]),
        .target(name: "Ledger", dependencies: ["CSQLite", "DatabaseEvidence"]),
        .target(name: "CodeUsage", dependencies: ["Matching", "ScanIO", "SQLResolution", "Report", "Catalog"]),
        .target(name: "Report", dependencies: ["Matching", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "Gate",
            dependencies: ["Report", "Matching", "ScanIO", "PostgresLog", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "DropScan",
            dependencies: [
                "ScanIO", "Matching", "PostgresLog", "SQLResolution", "CodeUsage", "Report", "Gate", "Catalog",
                "ModelIndex", "DatabaseEvidence", "Ledger", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "dropscan",
            dependencies: ["DropScan", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ScanIOTests", dependencies: ["ScanIO", "TestSupport"]),
        .testTarget(name: "MatchingTests", dependencies: ["Matching"]),
        .testTarget(name: "PostgresLogTests", dependencies: ["PostgresLog", "CZlib"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SQLResolutionTests", dependencies: ["SQLResolution"]),
        .testTarget(name: "ModelIndexTests", dependencies: ["ModelIndex", "Catalog"]),
        .testTarget(
            name: "CodeUsageTests", dependencies: ["CodeUsage", "Catalog", "ModelIndex"], resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "DatabaseEvidenceTests", dependencies: ["DatabaseEvidence", "TestSupport"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Gate", "TestSupport"]),
        .testTarget(name: "GateTests", dependencies: ["Gate", "Report", "Matching"]),
        .testTarget(
            name: "DropScanTests", dependencies: ["DropScan", "Ledger", "TestSupport"], exclude: ["Fixtures"]),
    ]
)
