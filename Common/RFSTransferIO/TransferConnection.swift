import NIOCore
import NIOPosix
import RFSDataTransfer
import RFSProtocol
import SwiftProtobuf

/// One DataTransferProtocol connection: the channel to write on and a `TransferReader` for
/// what arrives. Writes go straight to the channel (in order, from one task at a time) and
/// return futures, so a sender can keep a window of packets in flight and wait only when it
/// is full; a zero-copy `FileRegion` can be written like any buffer.
public struct TransferConnection: Sendable {
    public let channel: Channel
    public let reader: TransferReader

    /// Unused for writing, but NIO traps when it is dropped unfinished: `close` finishes it.
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// The connection over a wrapped channel. Its outbound writer is not used: writes go to
    /// the channel itself, which accepts `FileRegion`s and answers with futures.
    public init(_ asyncChannel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = asyncChannel.channel
        self.reader = TransferReader(inbound: asyncChannel.inbound)
        self.outbound = asyncChannel.outbound
    }

    /// Wraps an accepted or connected channel. Must run on the channel's event loop (a
    /// child-channel initializer or `connect`'s). A peer that sends nothing for `readTimeout`
    /// is gone (every live exchange has traffic: packets, heartbeat packets, acks), so the
    /// connection is closed and whoever waits on it gets `closedByPeer`.
    public static func wrapping(_ channel: Channel, readTimeout: TimeAmount?) throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        if let readTimeout {
            try channel.pipeline.syncOperations.addHandlers([IdleStateHandler(readTimeout: readTimeout), CloseOnReadIdle()])
        }
        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
    }

    /// Connects to a datanode's transfer port.
    public static func connect(host: String, port: Int, group: EventLoopGroup,
                               timeout: TimeAmount = .seconds(60), readTimeout: TimeAmount? = .seconds(60)) async throws -> TransferConnection {
        let asyncChannel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            asyncChannel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try wrapping(channel, readTimeout: readTimeout) }
                }
        } catch {
            throw TransferIOError.connectFailed(address: "\(host):\(port)", reason: "\(error)")
        }
        return TransferConnection(asyncChannel)
    }

    /// Writes bytes without waiting for them to leave; `flush` decides when they go.
    @discardableResult
    public func write(_ buffer: ByteBuffer, flush: Bool = true) -> EventLoopFuture<Void> {
        flush ? channel.writeAndFlush(buffer) : channel.write(buffer)
    }

    @discardableResult
    public func write(_ bytes: [UInt8], flush: Bool = true) -> EventLoopFuture<Void> {
        write(channel.allocator.buffer(bytes: bytes), flush: flush)
    }

    /// Writes part of a file with sendfile.
    @discardableResult
    public func write(_ region: FileRegion, flush: Bool = true) -> EventLoopFuture<Void> {
        flush ? channel.writeAndFlush(IOData.fileRegion(region)) : channel.write(IOData.fileRegion(region))
    }

    /// Writes a varint-delimited message and waits until it is sent.
    public func send(_ message: some SwiftProtobuf.Message) async throws {
        try await write(try DelimitedMessage.encode(message)).get()
    }

    /// Writes an op request and waits until it is sent.
    public func send(_ request: OpRequest) async throws {
        try await write(request.bytes).get()
    }

    /// Closes the connection. Every connection must be closed (NIO checks its writer was finished).
    public func close() {
        outbound.finish()
        channel.close(promise: nil)
    }
}

/// Closes the channel when the IdleStateHandler in front of it reports no reads.
final class CloseOnReadIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

extension Hadoop_Hdfs_DatanodeIDProto {
    /// `ip:transferPort`, as pipelines name a datanode (firstBadLink, logs).
    public var transferAddress: String { "\(ipAddr):\(xferPort)" }
}

extension TransferConnection {
    /// Connects to `datanode`'s transfer port.
    public static func connect(to datanode: Hadoop_Hdfs_DatanodeIDProto, group: EventLoopGroup,
                               timeout: TimeAmount = .seconds(60), readTimeout: TimeAmount? = .seconds(60)) async throws -> TransferConnection {
        try await connect(host: datanode.ipAddr, port: Int(datanode.xferPort), group: group, timeout: timeout, readTimeout: readTimeout)
    }
}
