// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .unsafeFlags(["-warnings-as-errors"]),
]

let package = Package(
    name: "salience",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "salience", targets: ["salience"]),
        .library(name: "SalienceKafka", targets: ["SalienceKafka"]),
        .library(name: "SalienceCore", targets: ["SalienceCore"]),
        .library(name: "SalienceDatasets", targets: ["SalienceDatasets"]),
        .library(name: "SalienceEvaluation", targets: ["SalienceEvaluation"]),
        .library(name: "SaliencePipeline", targets: ["SaliencePipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "SalienceKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .target(
            name: "SalienceCore",
            swiftSettings: strictSettings
        ),
        // Dataset importers and the synthetic event generator: what feeds the estimator in tests, demos and benches.
        .target(
            name: "SalienceDatasets",
            dependencies: ["SalienceCore"],
            swiftSettings: strictSettings
        ),
        // `salience evaluate`: variants trained downstream, holdout metrics, bootstrap intervals, the report.
        .target(
            name: "SalienceEvaluation",
            dependencies: ["SalienceCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SaliencePipeline",
            dependencies: [
                "SalienceCore",
                "CZstd",
                "SalienceKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SalienceConfiguration",
            dependencies: [
                "SalienceCore",
                "SalienceKafka",
                "SaliencePipeline",
                "SalienceOperations",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SalienceOperations",
            dependencies: [
                "SaliencePipeline",
                "SalienceKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "salience",
            dependencies: [
                "SalienceCore",
                "SalienceDatasets",
                "SalienceEvaluation",
                "SalienceKafka",
                "SaliencePipeline",
                "SalienceConfiguration",
                "SalienceOperations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SalienceTestSupport",
            path: "Tests/SalienceTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SalienceKafkaTests",
            dependencies: ["SalienceKafka", "SalienceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SalienceCoreTests",
            dependencies: ["SalienceCore", "SalienceDatasets", "SalienceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SalienceDatasetsTests",
            dependencies: ["SalienceDatasets", "SalienceCore", "SalienceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SalienceEvaluationTests",
            dependencies: ["SalienceEvaluation", "SalienceDatasets", "SalienceCore", "SalienceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SaliencePipelineTests",
            dependencies: [
                "SaliencePipeline",
                "SalienceKafka",
                "SalienceDatasets",
                "SalienceTestSupport",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SalienceConfigurationTests",
            dependencies: ["SalienceConfiguration", "SalienceTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SalienceOperationsTests",
            dependencies: [
                "SalienceOperations",
                "SalienceCore",
                "SalienceDatasets",
                "SaliencePipeline",
                "SalienceKafka",
                "SalienceTestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
