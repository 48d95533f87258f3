import Logging
import NIOCore
import NIOPosix
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO
import Synchronization

/// The datanode's DataTransferProtocol port (HDFS's DataXceiverServer): accepts connections
/// and serves each in its own task, one op after another while the peer keeps it open.
public final class DataTransferServer: Sendable {
    public let localAddress: SocketAddress
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    private let acceptLoop = Mutex<Task<Void, Never>?>(nil)

    private init(localAddress: SocketAddress, server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>) {
        self.localAddress = localAddress
        self.server = server
    }

    /// Binds the port; connections wait in the backlog until `serve` starts taking them
    /// (the datanode learns its port, port 0 in tests, before it can say who it is).
    public static func bind(host: String, port: Int, readTimeout: TimeAmount, group: EventLoopGroup) async throws -> DataTransferServer {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // hdfs-native shuts down its sending side after the last packet and still reads the acks.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try TransferConnection.wrapping(channel, readTimeout: readTimeout)
                }
            }
        return DataTransferServer(localAddress: server.channel.localAddress!, server: server)
    }

    /// Accepts connections and serves each in its own task until `close`.
    public func serve(context: DataNodeContext) {
        let server = server
        let task = Task {
            do {
                try await server.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in inbound {
                            group.addTask {
                                await Self.serve(TransferConnection(connection), context: context)
                            }
                        }
                        // The port closed: every connection accepted, even one still queued
                        // when `close` came, has its task, which closes it; stop them all now.
                        group.cancelAll()
                    }
                }
            } catch {
                context.logger.debug("transfer server stopped", metadata: ["error": "\(error)"])
            }
        }
        acceptLoop.withLock { $0 = task }
    }

    /// Closes the port and the connections being served. The accept loop is not cancelled
    /// but left to run out: a connection accepted and still queued must be taken and closed,
    /// or NIO traps on its writer never being finished.
    public func close() async {
        try? await server.channel.close()
        let task = acceptLoop.withLock { $0 }
        _ = await task?.value
    }

    /// Serves ops on one connection until the peer closes it or an op ends it. `domainSocket`
    /// is the descriptor of a connection on the datanode's Unix socket (descriptors can be
    /// passed on it), nil for TCP.
    static func serve(_ connection: TransferConnection, context: DataNodeContext, domainSocket: Int32? = nil) async {
        context.load.connectionOpened()
        defer {
            context.load.connectionClosed()
            connection.close()
        }
        let peer = connection.channel.remoteAddress.map { "\($0)" } ?? "?"
        do {
            while let request = try await connection.reader.readOpRequest() {
                let keepOpen = try await DataXceiver(connection: connection, context: context, peer: peer, domainSocket: domainSocket).run(request)
                if !keepOpen { return }
            }
        } catch {
            context.logger.debug("data transfer connection ended", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }
}

/// One op on one connection (HDFS's DataXceiver).
struct DataXceiver {
    let connection: TransferConnection
    let context: DataNodeContext
    let peer: String
    let domainSocket: Int32?

    /// Runs `request`; true when the connection may carry another op.
    func run(_ request: OpRequest) async throws -> Bool {
        let operation: DataTransferOperation
        do {
            operation = try request.decodeOperation()
        } catch {
            try await connection.send(DataTransferReplies.failed(message: "\(error)"))
            return false
        }
        switch operation {
        case .readBlock(let op):
            return try await BlockSender.serveRead(op, on: connection, context: context)
        case .writeBlock(let op):
            try await BlockReceiver(op: op, upstream: connection, context: context).run()
            return false
        case .blockChecksum(let op):
            try await BlockChecksumOp.serve(op, on: connection, context: context)
            return true
        case .transferBlock(let op):
            try await ReplicaTransfer.serveTransferOp(op, on: connection, context: context)
            return false
        case .requestShortCircuitFds(let op):
            return try await ShortCircuitFds.serve(op, on: connection, domainSocket: domainSocket, context: context)
        case .releaseShortCircuitFds:
            try await ShortCircuitFds.refuseRelease(on: connection)
            return true
        case .requestShortCircuitShm:
            try await ShortCircuitFds.refuseSharedMemory(on: connection)
            return true
        case .replaceBlock, .copyBlock, .blockGroupChecksum, .unsupported:
            context.logger.info("unsupported data transfer op", metadata: ["op": "\(operation.opcode)", "peer": "\(peer)"])
            try await connection.send(DataTransferReplies.failed(.errorUnsupported, message: "\(operation.opcode) is not supported by this datanode"))
            return false
        }
    }
}
