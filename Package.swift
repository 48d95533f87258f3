// swift-tools-version:6.1
// rfs: an HDFS-compatible distributed filesystem. See docs/ARCHITECTURE.md for the module map:
// pure cores (no NIO, no files, no clocks) on one side, I/O shells on the other.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    // Exclusivity is checked at run time in debug builds, which every test runs (`make test`);
    // release builds keep the compile-time checks and drop the per-access run-time ones, which
    // cost the namenode ~3% of its CPU per edit (swift_beginAccess on every class property and
    // generated message's storage access, measured with perf under `rfs-microbench namespace`).
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "rfs",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "rfs", targets: ["rfs"]),
        .executable(name: "rfs-microbench", targets: ["RFSMicroBench"]),
        // libhdfs.so: the libhdfs C API (Client/LibHDFS/CLibHDFS/include/hdfs.h) on the Swift client.
        .library(name: "hdfs", type: .dynamic, targets: ["RFSLibHDFS"]),
        .executable(name: "rfs-client-bench", targets: ["RFSClientBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // HDR histograms for `rfs bench` latency percentiles (p50/p99/p99.9 with bounded error).
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // MARK: C libraries (Debian packages, installed by scripts/bootstrap)
        .target(
            name: "CChecksum",
            path: "Common/C/CChecksum",
            linkerSettings: [.linkedLibrary("isal")]
        ),
        .target(name: "CDomainSocket", path: "Common/C/CDomainSocket"),
        .systemLibrary(name: "CLevelDB", path: "Common/C/CLevelDB"),
        .systemLibrary(name: "CLZ4", path: "Common/C/CLZ4", pkgConfig: "liblz4"),
        .systemLibrary(name: "CZstd", path: "Common/C/CZstd", pkgConfig: "libzstd"),
        .systemLibrary(name: "CSnappy", path: "Common/C/CSnappy"),
        .systemLibrary(name: "CZlib", path: "Common/C/CZlib", pkgConfig: "zlib"),

        // MARK: Common — pure modules
        .target(name: "RFSModel", path: "Common/RFSModel", swiftSettings: swiftSettings),
        .target(
            name: "RFSChecksum",
            dependencies: ["CChecksum"],
            path: "Common/RFSChecksum",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSCompression",
            dependencies: ["CLZ4", "CZstd", "CSnappy", "CZlib"],
            path: "Common/RFSCompression",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSProtocol",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Common/RFSProtocol",
            exclude: ["proto"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSConfig",
            dependencies: ["RFSModel"],
            path: "Common/RFSConfig",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSDataTransfer",
            dependencies: [
                "RFSModel", "RFSChecksum", "RFSProtocol",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Common/RFSDataTransfer",
            swiftSettings: swiftSettings
        ),

        // MARK: Common — I/O shells
        .target(
            name: "RFSKeyValue",
            dependencies: ["CLevelDB"],
            path: "Common/RFSKeyValue",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSRPC",
            dependencies: [
                "RFSModel", "RFSProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Common/RFSRPC",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSMetrics",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Common/RFSMetrics",
            swiftSettings: swiftSettings
        ),

        .target(
            name: "RFSFileIO",
            path: "Common/RFSFileIO",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSTransferIO",
            dependencies: [
                "RFSModel", "RFSChecksum", "RFSDataTransfer", "RFSProtocol", "CDomainSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Common/RFSTransferIO",
            swiftSettings: swiftSettings
        ),
        .target(name: "RFSRaft", dependencies: ["RFSModel"], path: "Common/RFSRaft", swiftSettings: swiftSettings),
        .target(
            name: "RFSWAL",
            dependencies: [
                "RFSChecksum", "RFSModel", "RFSFileIO",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Common/RFSWAL",
            swiftSettings: swiftSettings
        ),

        // MARK: NameNode
        .target(
            name: "RFSNamespace",
            dependencies: [
                "RFSModel", "RFSKeyValue", "RFSProtocol",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "NameNode/RFSNamespace",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSBlockManagement",
            dependencies: ["RFSModel"],
            path: "NameNode/RFSBlockManagement",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSNameNode",
            dependencies: [
                "RFSModel", "RFSProtocol", "RFSRPC", "RFSConfig", "RFSWAL", "RFSNamespace",
                "RFSBlockManagement", "RFSKeyValue", "RFSRaft", "RFSChecksum", "RFSFileIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "NameNode/RFSNameNode",
            swiftSettings: swiftSettings
        ),

        // MARK: DataNode
        .target(
            name: "RFSBlockStorage",
            dependencies: ["RFSModel", "RFSChecksum", "RFSFileIO", .product(name: "Logging", package: "swift-log")],
            path: "DataNode/RFSBlockStorage",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSDataNode",
            dependencies: [
                "RFSModel", "RFSChecksum", "RFSProtocol", "RFSRPC", "RFSConfig", "RFSDataTransfer",
                "RFSTransferIO", "RFSBlockStorage", "RFSFileIO",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "DataNode/RFSDataNode",
            swiftSettings: swiftSettings
        ),

        // MARK: Client side: the library, the shell commands, the `rfs` command
        .target(
            name: "RFSClient",
            dependencies: [
                "RFSModel", "RFSProtocol", "RFSRPC", "RFSConfig", "RFSChecksum", "RFSDataTransfer", "RFSTransferIO", "RFSBlockStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Client/RFSClient",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSShell",
            dependencies: ["RFSClient", "RFSConfig", "RFSModel", "RFSCompression"],
            path: "Client/RFSShell",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CLibHDFS",
            path: "Client/LibHDFS/CLibHDFS"
        ),
        .target(
            name: "RFSLibHDFS",
            dependencies: [
                "CLibHDFS", "RFSClient", "RFSConfig", "RFSModel",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Client/LibHDFS/RFSLibHDFS",
            swiftSettings: swiftSettings,
            // The soname libhdfs has, so programs linked against Hadoop's find ours.
            linkerSettings: [.unsafeFlags(["-Xlinker", "-soname=libhdfs.so.0.0.0"])]
        ),
        .executableTarget(
            name: "rfs",
            dependencies: [
                "RFSNameNode", "RFSDataNode", "RFSConfig", "RFSMetrics", "RFSModel", "RFSRPC", "RFSProtocol", "RFSShell",
                "RFSNameNodeHTTP", "RFSDataNodeHTTP", "RFSBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Client/Shell",
            swiftSettings: swiftSettings,
            // jemalloc (Debian's libjemalloc2) in place of glibc's malloc for the daemons and
            // the shell: the namenode's allocations (protobufs, buffers, dictionaries) spent
            // ~11% of its CPU in glibc's malloc and free, much of it consolidating fastbins; with
            // jemalloc its CPU per edit under 64 writers fell ~20% (bench/README, session 9).
            // Only the executable links it: libhdfs.so lives in other programs' processes.
            linkerSettings: [.linkedLibrary("jemalloc")]
        ),

        // MARK: HTTP: WebHDFS, the web UI, /metrics and /jmx on every daemon
        .target(
            name: "RFSWebHDFS",
            dependencies: ["RFSClient", "RFSConfig", "RFSModel"],
            path: "Client/Gateway/RFSWebHDFS",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSHTTP",
            dependencies: [
                "RFSMetrics", "RFSModel", "RFSWebHDFS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Common/RFSHTTP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSNameNodeHTTP",
            dependencies: [
                "RFSNameNode", "RFSBlockManagement", "RFSHTTP", "RFSWebHDFS", "RFSClient", "RFSConfig", "RFSModel", "RFSMetrics",
                "RFSWAL",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "NameNode/RFSNameNodeHTTP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "RFSDataNodeHTTP",
            dependencies: [
                "RFSDataNode", "RFSHTTP", "RFSWebHDFS", "RFSClient", "RFSConfig", "RFSModel", "RFSMetrics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "DataNode/RFSDataNodeHTTP",
            swiftSettings: swiftSettings
        ),

        // MARK: Benchmarks
        .executableTarget(
            name: "RFSMicroBench",
            dependencies: [
                "RFSChecksum", "RFSCompression", "RFSWAL", "RFSRPC", "RFSProtocol", "RFSModel", "RFSNamespace", "RFSKeyValue",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/MicroBench",
            swiftSettings: swiftSettings
        ),

        // `rfs bench`: the load generator (namenode ops, DFSIO-style data, same-run baselines, etcd).
        .target(
            name: "RFSBench",
            dependencies: [
                "RFSClient", "RFSRPC", "RFSProtocol", "RFSConfig", "RFSModel",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/RFSBench",
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "RFSClientBench",
            dependencies: ["RFSClient"],
            path: "bench/LibHDFS/SwiftClient",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "RFSChecksumTests",
            dependencies: ["RFSChecksum", "CZlib"],
            path: "Tests/RFSChecksumTests"
        ),
        .testTarget(
            name: "RFSCompressionTests",
            dependencies: ["RFSCompression", "CZlib"],
            path: "Tests/RFSCompressionTests"
        ),
        .testTarget(
            name: "RFSKeyValueTests",
            dependencies: ["RFSKeyValue"],
            path: "Tests/RFSKeyValueTests"
        ),
        .testTarget(
            name: "RFSConfigTests",
            dependencies: ["RFSConfig"],
            path: "Tests/RFSConfigTests"
        ),
        .testTarget(
            name: "RFSRPCTests",
            dependencies: [
                "RFSRPC", "RFSProtocol", "RFSNameNode", "RFSConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/RFSRPCTests"
        ),
        .testTarget(
            name: "RFSMetricsTests",
            dependencies: [
                "RFSMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Tests/RFSMetricsTests"
        ),
        .testTarget(
            name: "RFSRaftTests",
            // The namespace rides along: the simulation applies committed entries to each
            // node's own in-memory namespace and checks clients' histories against it.
            dependencies: [
                "RFSRaft", "RFSModel", "RFSNamespace", "RFSKeyValue", "RFSProtocol",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/RFSRaftTests"
        ),
        .testTarget(
            name: "RFSWALTests",
            dependencies: ["RFSWAL", "RFSChecksum"],
            path: "Tests/RFSWALTests"
        ),
        .testTarget(
            name: "RFSNamespaceTests",
            dependencies: [
                "RFSNamespace", "RFSKeyValue", "RFSModel", "RFSProtocol",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/RFSNamespaceTests"
        ),
        .testTarget(
            name: "RFSBlockManagementTests",
            dependencies: ["RFSBlockManagement", "RFSModel"],
            path: "Tests/RFSBlockManagementTests"
        ),
        .testTarget(
            name: "RFSDataTransferTests",
            dependencies: [
                "RFSDataTransfer", "RFSChecksum", "RFSProtocol",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/RFSDataTransferTests"
        ),
        .testTarget(
            name: "RFSNameNodeTests",
            dependencies: [
                "RFSNameNode", "RFSNamespace", "RFSProtocol", "RFSKeyValue", "RFSRaft", "RFSRPC", "RFSModel", "RFSConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/RFSNameNodeTests"
        ),
        .testTarget(
            name: "RFSBlockStorageTests",
            dependencies: ["RFSBlockStorage", "RFSChecksum"],
            path: "Tests/RFSBlockStorageTests"
        ),
        .target(
            name: "RFSMiniCluster",
            dependencies: [
                "RFSNameNode", "RFSDataNode", "RFSConfig", "RFSModel", "RFSBlockManagement",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/RFSMiniCluster",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RFSDataNodeTests",
            dependencies: [
                "RFSDataNode", "RFSMiniCluster", "RFSBlockStorage", "RFSDataTransfer", "RFSTransferIO", "RFSChecksum",
                "RFSProtocol", "RFSRPC", "RFSModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/RFSDataNodeTests"
        ),
        .testTarget(
            name: "RFSClientTests",
            dependencies: [
                "RFSClient", "RFSShell", "RFSModel", "RFSConfig", "RFSNameNode", "RFSMiniCluster",
                "RFSDataNode", "RFSProtocol", "RFSRPC",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/RFSClientTests"
        ),
        .testTarget(
            name: "RFSLibHDFSTests",
            dependencies: ["RFSLibHDFS", "RFSClient", "RFSConfig"],
            path: "Tests/RFSLibHDFSTests"
        ),
        .testTarget(
            name: "RFSWebHDFSTests",
            dependencies: ["RFSWebHDFS", "RFSHTTP", "RFSClient", "RFSModel", "RFSMiniCluster", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Tests/RFSWebHDFSTests"
        ),
        .testTarget(
            name: "RFSBenchTests",
            dependencies: ["RFSBench", "RFSConfig", "RFSModel", "RFSRPC",
                           .product(name: "NIOPosix", package: "swift-nio")],
            path: "Tests/RFSBenchTests"
        ),
        .testTarget(
            name: "RFSArchitectureTests",
            path: "Tests/RFSArchitectureTests"
        ),
    ]
)
