import SalienceOperations
import SaliencePipeline

/// Everything a Salience process is configured with: the one typed structure
/// that the YAML file, `SALIENCE_…` environment variables and flags fill
/// (in that order, each overriding the one before). See ``SettingsCatalog``
/// for every key, its form and its default.
public struct SalienceSettings: Sendable {
    /// Kafka, topics, delivery, checkpoints, estimator and decoder.
    public var pipeline: PipelineConfiguration
    /// The metrics and health endpoint.
    public var operations: OperationsConfiguration
    /// Log level and format.
    public var logging: LoggingConfiguration

    public init(
        pipeline: PipelineConfiguration = PipelineConfiguration(),
        operations: OperationsConfiguration = OperationsConfiguration(),
        logging: LoggingConfiguration = LoggingConfiguration()
    ) {
        self.pipeline = pipeline
        self.operations = operations
        self.logging = logging
    }
}
