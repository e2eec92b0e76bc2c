import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import SaliencePipeline
import ServiceLifecycle
import Synchronization

/// The HTTP endpoint of a running Salience: `GET /metrics` (Prometheus text
/// format), `GET /healthz` (liveness) and `GET /readyz` (readiness); 200 when
/// a probe passes, 503 when it fails, with a line saying why.
///
/// ``start(configuration:registry:weights:probes:logger:)`` binds at once, so a
/// taken port fails start-up; ``run()`` serves until graceful shutdown or
/// cancellation, then closes the socket.
public final class OperationsServer: Service, Sendable {
    /// The port bound (the one asked for, or the one the system chose for 0).
    public let port: Int
    private let channel: any Channel
    private let connections: OpenConnections
    private let logger: Logger

    private init(channel: any Channel, connections: OpenConnections, port: Int, logger: Logger) {
        self.channel = channel
        self.connections = connections
        self.port = port
        self.logger = logger
    }

    /// Binds `configuration.host:configuration.port`; `/metrics` shows
    /// `registry`, then `weights` (a pipeline's weight histograms) if given.
    public static func start(
        configuration: OperationsConfiguration,
        registry: PrometheusCollectorRegistry,
        weights: WeightHistograms? = nil,
        probes: HealthProbes,
        logger: Logger
    ) async throws -> OperationsServer {
        let connections = OpenConnections()
        let channel: any Channel
        do {
            channel = try await bind(configuration: configuration, registry: registry, weights: weights, probes: probes, connections: connections)
        } catch let error as IOError {
            throw OperationsServerError(configuration: configuration, reason: error.errnoCode == EADDRINUSE
                ? "the port is in use (another salience run on this host?)" : String(cString: strerror(error.errnoCode)).lowercased())
        } catch {
            throw OperationsServerError(configuration: configuration, reason: "\(error)")
        }
        let port = channel.localAddress?.port ?? configuration.port
        logger.info("serving metrics and health", metadata: [
            "salience.http.address": "http://\(configuration.host):\(port)",
            "salience.http.paths": "/metrics /healthz /readyz",
        ])
        return OperationsServer(channel: channel, connections: connections, port: port, logger: logger)
    }

    private static func bind(
        configuration: OperationsConfiguration, registry: PrometheusCollectorRegistry, weights: WeightHistograms?,
        probes: HealthProbes, connections: OpenConnections
    ) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.insert(channel)
                return channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(OperationsHTTPHandler(registry: registry, weights: weights, probes: probes))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                try? await channel.closeFuture.get()
            } onCancel: {
                self.close()
            }
        } onGracefulShutdown: {
            self.close()
        }
        logger.debug("metrics and health endpoint closed")
    }

    /// Stops listening and closes kept-alive connections.
    private func close() {
        channel.close(promise: nil)
        connections.closeAll()
    }
}

/// The accepted connections, so shutdown can close kept-alive ones too.
private final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func insert(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLock { $0.removeValue(forKey: id) }
        }
    }

    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}

/// Answers one request at a time on a connection.
private final class OperationsHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private let weights: WeightHistograms?
    private let probes: HealthProbes
    private var request: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry, weights: WeightHistograms?, probes: HealthProbes) {
        self.registry = registry
        self.weights = weights
        self.probes = probes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let request else { return }
            self.request = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
        if request.method != .GET && request.method != .HEAD {
            (status, contentType, body) = (.methodNotAllowed, "text/plain; charset=utf-8", Array("GET or HEAD only\n".utf8))
        } else {
            switch path {
            case "/metrics":
                var buffer: [UInt8] = []
                registry.emit(into: &buffer)
                weights?.emit(into: &buffer)
                (status, contentType, body) = (.ok, "text/plain; version=0.0.4; charset=utf-8", buffer)
            case "/healthz", "/readyz":
                let result = path == "/healthz" ? probes.liveness() : probes.readiness()
                (status, contentType, body) = (result.passed ? .ok : .serviceUnavailable, "text/plain; charset=utf-8",
                                               Array("\(result.passed ? "ok" : "fail"): \(result.detail)\n".utf8))
            default:
                (status, contentType, body) = (.notFound, "text/plain; charset=utf-8", Array("not found; try /metrics, /healthz or /readyz\n".utf8))
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
