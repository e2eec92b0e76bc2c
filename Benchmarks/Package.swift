// swift-tools-version:6.1
// Benchmarks live in a package of their own so `swift build` and `swift test`
// of Salience never build package-benchmark. Run from this directory:
//   swift package --allow-writing-to-package-directory benchmark
import PackageDescription

let package = Package(
    name: "salience-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "salience", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "DecoderBenchmarks",
            dependencies: [
                .product(name: "SalienceCore", package: "salience"),
                .product(name: "SalienceDatasets", package: "salience"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/DecoderBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EstimatorBenchmarks",
            dependencies: [
                .product(name: "SalienceCore", package: "salience"),
                .product(name: "SalienceDatasets", package: "salience"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/EstimatorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
