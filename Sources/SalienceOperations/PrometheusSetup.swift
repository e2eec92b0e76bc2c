import Prometheus
import SaliencePipeline

extension PrometheusMetricsFactory {
    /// A factory over `registry` with Salience's histogram buckets: weights
    /// on a log scale from 1/100 to 100.
    public static func salience(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets[PipelineMetrics.weightLabel] = PipelineMetrics.weightBuckets
        return factory
    }
}
