import Prometheus
import SalienceKafka
import SaliencePipeline

extension PrometheusMetricsFactory {
    /// A factory over `registry` with Salience's histogram buckets: weights
    /// on a log scale from 1/100 to 100. It also registers
    /// `salience_build_info{version, librdkafka}` = 1.
    public static func salience(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "salience", metricName: "build", unitName: "info",
                helpText: "Salience's version and the librdkafka it runs on (always 1)."
            ),
            labels: [("version", SalienceVersion.current), ("librdkafka", KafkaLibrary.version)]
        ).set(to: 1.0)
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets[PipelineMetrics.weightLabel] = PipelineMetrics.weightBuckets
        return factory
    }
}
