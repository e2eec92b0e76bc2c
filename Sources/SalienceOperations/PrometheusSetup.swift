import Prometheus
import SalienceKafka
import SaliencePipeline

extension PrometheusMetricsFactory {
    /// A factory over `registry`. It also registers
    /// `salience_build_info{version, librdkafka}` = 1.
    public static func salience(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "salience", metricName: "build", unitName: "info",
                helpText: "Salience's version and the librdkafka it runs on (always 1)."
            ),
            labels: [("version", SalienceVersion.current), ("librdkafka", KafkaLibrary.version)]
        ).set(to: 1.0)
        return PrometheusMetricsFactory(registry: registry)
    }
}

extension WeightHistograms {
    /// The histograms in Prometheus' text format, as `salience_weight{component}`.
    func emit(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: "# HELP salience_weight Each event's weight components.\n# TYPE salience_weight histogram\n".utf8)
        for histogram in snapshot {
            let component = "component=\"\(histogram.component)\""
            for (bound, count) in zip(WeightHistogramLayout.bounds, histogram.cumulativeCounts) {
                buffer.append(contentsOf: "salience_weight_bucket{\(component),le=\"\(bound)\"} \(count)\n".utf8)
            }
            buffer.append(contentsOf: "salience_weight_bucket{\(component),le=\"+Inf\"} \(histogram.count)\n".utf8)
            buffer.append(contentsOf: "salience_weight_sum{\(component)} \(histogram.sum)\n".utf8)
            buffer.append(contentsOf: "salience_weight_count{\(component)} \(histogram.count)\n".utf8)
        }
    }
}
