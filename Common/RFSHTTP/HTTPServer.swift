import Hummingbird
import Logging
import NIOCore
import RFSModel
import ServiceLifecycle

/// A daemon's HTTP server (Hummingbird, HTTP/1.1) on one address, answering every request
/// with one handler. It runs as a task beside the daemon's RPC server; `close()` stops it.
public final class HTTPServer: Sendable {
    /// The port actually bound (the one configured, or the one the OS chose for port 0).
    public let port: Int
    public let host: String
    private let task: Task<Void, Never>
    private let services: ServiceGroup

    private init(host: String, port: Int, task: Task<Void, Never>, services: ServiceGroup) {
        self.host = host
        self.port = port
        self.task = task
        self.services = services
    }

    public typealias Handler = @Sendable (Request, BasicRequestContext) async -> Response

    /// Binds `address` and serves `handler`; returns once the socket is listening, or throws
    /// when it cannot bind (a port in use stops the daemon, as in HDFS).
    public static func start(address: HostPort, name: String, logger: Logger, handler: @escaping Handler) async throws -> HTTPServer {
        let (bound, boundContinuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        let responder = CallbackResponder<BasicRequestContext> { request, context in await handler(request, context) }
        var httpLogger = logger
        // Hummingbird logs each request at debug; the daemon's level decides.
        httpLogger[metadataKey: "http"] = "\(name)"
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: "rfs"),
            onServerRunning: { channel in
                boundContinuation.yield(.success(channel.localAddress?.port ?? address.port))
            },
            logger: httpLogger)
        // Run in a service group of its own, so that `close` can shut it down gracefully: a
        // cancelled server drops connections it accepted and had not served yet, and NIO traps
        // on those (apple/swift-nio#3481).
        let services = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [application], gracefulShutdownSignals: [], cancellationSignals: [], logger: httpLogger))
        let task = Task {
            do {
                try await services.run()
            } catch {
                boundContinuation.yield(.failure(error))
            }
            boundContinuation.finish()
        }
        for await result in bound {
            switch result {
            case .success(let port):
                logger.info("http server started", metadata: ["server": "\(name)", "address": "\(address.host):\(port)"])
                return HTTPServer(host: address.host, port: port, task: task, services: services)
            case .failure(let error):
                throw HTTPServerError.cannotBind(address: "\(address.host):\(address.port)", reason: "\(error)")
            }
        }
        throw HTTPServerError.cannotBind(address: "\(address.host):\(address.port)", reason: "the server stopped before it listened")
    }

    /// How long `close` lets requests in progress run before it cuts them.
    public static let shutdownGrace: Duration = .seconds(5)

    /// Stops accepting, lets requests in progress finish (Hummingbird's graceful shutdown) for
    /// up to `shutdownGrace`, then cuts the ones still running (a long WebHDFS read).
    public func close() async {
        await services.triggerGracefulShutdown()
        let task = task
        let deadline = Task {
            try? await Task.sleep(for: Self.shutdownGrace)
            if !Task.isCancelled { task.cancel() }
        }
        await task.value
        deadline.cancel()
    }
}

public enum HTTPServerError: Error, CustomStringConvertible {
    case cannotBind(address: String, reason: String)

    public var description: String {
        switch self {
        case .cannotBind(let address, let reason): "cannot serve HTTP on \(address): \(reason)"
        }
    }
}
