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
    private let accepted: AcceptedConnections

    private init(localAddress: SocketAddress, server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>,
                 accepted: AcceptedConnections) {
        self.localAddress = localAddress
        self.server = server
        self.accepted = accepted
    }

    /// Binds the port; connections wait in the backlog until `serve` starts taking them
    /// (the datanode learns its port, port 0 in tests, before it can say who it is).
    public static func bind(host: String, port: Int, readTimeout: TimeAmount, group: EventLoopGroup) async throws -> DataTransferServer {
        let accepted = AcceptedConnections()
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // hdfs-native shuts down its sending side after the last packet and still reads the acks.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = try TransferConnection.wrapping(channel, readTimeout: readTimeout)
                    accepted.adopt(connection)
                    return connection
                }
            }
        return DataTransferServer(localAddress: server.channel.localAddress!, server: server, accepted: accepted)
    }

    /// Accepts connections and serves each in its own task until `close`.
    public func serve(context: DataNodeContext) {
        let (server, accepted) = (server, accepted)
        let task = Task {
            do {
                try await server.executeThenClose { inbound in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in inbound {
                            accepted.take(connection)
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
    /// or NIO traps on its writer never being finished. Any that NIO wrapped but never queued
    /// are closed after it.
    public func close() async {
        try? await server.channel.close()
        let task = acceptLoop.withLock { $0 }
        _ = await task?.value
        accepted.closeRemaining()
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

/// Accepted connections from the moment NIO wraps them until the accept loop takes them. As
/// the port closes, NIO can drop a connection it has just wrapped (its child initializer ends
/// after the server channel's stream has finished: apple/swift-nio#3481), and a dropped one
/// traps on its unfinished writer. Held here, the ones the loop never took are closed at
/// `close`, and one wrapped after that is closed at once.
final class AcceptedConnections: Sendable {
    private struct State {
        var waiting: [ObjectIdentifier: NIOAsyncChannel<ByteBuffer, ByteBuffer>] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    func adopt(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        let closeNow = state.withLock { state in
            if state.closed { return true }
            state.waiting[ObjectIdentifier(connection.channel)] = connection
            return false
        }
        if closeNow { Self.close(connection) }
    }

    func take(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        _ = state.withLock { $0.waiting.removeValue(forKey: ObjectIdentifier(connection.channel)) }
    }

    func closeRemaining() {
        let remaining = state.withLock { state in
            state.closed = true
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for connection in remaining { Self.close(connection) }
    }

    private static func close(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        connection.outbound.finish()
        connection.channel.close(promise: nil)
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
