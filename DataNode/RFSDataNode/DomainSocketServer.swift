#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import RFSDataTransfer
import RFSTransferIO
import Synchronization

/// The datanode's Unix domain socket (`dfs.domain.socket.path`, HDFS's DomainPeerServer):
/// DataTransferProtocol as on the TCP port, plus REQUEST_SHORT_CIRCUIT_FDS, which needs the
/// socket itself to pass descriptors. Connections are accepted on the listener's thread and
/// then served by NIO like TCP ones; the accepted descriptor is kept for sendmsg.
public final class DomainSocketServer: Sendable {
    public let path: String
    private let listener: DomainSocketListener
    private let accepted: AsyncStream<Int32>.Continuation
    private let serving: Task<Void, Never>

    private init(path: String, listener: DomainSocketListener, accepted: AsyncStream<Int32>.Continuation, serving: Task<Void, Never>) {
        self.path = path
        self.listener = listener
        self.accepted = accepted
        self.serving = serving
    }

    /// Binds `path` and serves every connection until `close`.
    public static func start(path: String, context: DataNodeContext) throws -> DomainSocketServer {
        let listener = try DomainSocketListener(path: path)
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let serving = Task {
            await withDiscardingTaskGroup { group in
                for await descriptor in stream {
                    group.addTask { await serve(descriptor: descriptor, context: context) }
                }
                group.cancelAll()
            }
        }
        listener.start { descriptor in
            if case .terminated = continuation.yield(descriptor) { Glibc.close(descriptor) }
        }
        context.logger.info("serving short-circuit reads", metadata: ["socket": "\(path)"])
        return DomainSocketServer(path: path, listener: listener, accepted: continuation, serving: serving)
    }

    /// One accepted connection, handed to NIO and served as a transfer connection.
    static func serve(descriptor: Int32, context: DataNodeContext) async {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: context.group)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .withConnectedSocket(descriptor) { channel in
                    channel.eventLoop.makeCompletedFuture { try TransferConnection.wrapping(channel, readTimeout: context.socketTimeout) }
                }
        } catch {
            context.logger.warning("cannot serve a domain socket connection", metadata: ["error": "\(error)"])
            Glibc.close(descriptor)
            return
        }
        // NIO owns (and closes) the descriptor now; it stays open while the connection is served.
        await DataTransferServer.serve(TransferConnection(channel), context: context, domainSocket: descriptor)
    }

    /// Stops accepting, removes the socket file, and ends the connections being served.
    public func close() async {
        listener.close()
        accepted.finish()
        serving.cancel()
        await serving.value
    }
}
