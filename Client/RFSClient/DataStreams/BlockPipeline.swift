import NIOCore
import NIOPosix
import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO

/// One block being written through a datanode pipeline (HDFS's DataStreamer for one block):
/// packets go out with up to `packetsInFlightMax` unacknowledged; a task reads the acks; a
/// failed datanode is dropped and the pipeline rebuilt with the survivors under a new
/// generation stamp (PIPELINE_SETUP_STREAMING_RECOVERY), unacknowledged packets resent.
/// Used by one task at a time (its output stream, an actor); Sendable only so that actor
/// can await its methods.
final class BlockPipeline: @unchecked Sendable {
    private(set) var block: Hadoop_Hdfs_LocatedBlockProto
    private var nodes: [Hadoop_Hdfs_DatanodeInfoProto]
    private var storageIDs: [String]
    private var connection: TransferConnection
    private var acks: AsyncThrowingStream<Hadoop_Hdfs_PipelineAckProto, Error>.AsyncIterator
    private var ackTask: Task<Void, Never>
    private var tracker: PipelineAckTracker
    /// Every packet sent and not yet acknowledged, by seqno, for resending (the buffer NIO
    /// sent, shared, not copied).
    private var unacked: [Int64: ByteBuffer] = [:]
    /// Frames are allocated here rather than from a channel: a pipeline rebuilt after a
    /// failure resends the same buffers on its new connection.
    private static let allocator = ByteBufferAllocator()
    private let checksum: ChunkedChecksum
    private let fileSystem: FileSystem
    private let stage: Hadoop_Hdfs_OpWriteBlockProto.BlockConstructionStage

    /// Bytes of this block every datanode has acknowledged.
    var bytesAcknowledged: Int64 { tracker.bytesAckedInBlock }

    init(block: Hadoop_Hdfs_LocatedBlockProto, checksum: ChunkedChecksum, fileSystem: FileSystem,
         append: Bool) async throws {
        self.block = block
        self.nodes = block.locs
        self.storageIDs = block.storageIds
        self.checksum = checksum
        self.fileSystem = fileSystem
        self.stage = append ? .pipelineSetupAppend : .pipelineSetupCreate
        guard !block.locs.isEmpty else {
            throw RemoteException(.ioException, "the namenode placed block \(block.b.blockID) on no datanode")
        }
        let offset = Int64(block.b.numBytes)
        (connection, acks, ackTask) = try await Self.open(block: block.b, nodes: nodes, storageIDs: storageIDs, stage: stage,
                                                          latestStamp: block.b.generationStamp, bytesAcked: UInt64(offset),
                                                          bytesSent: UInt64(offset), checksum: checksum, fileSystem: fileSystem)
        tracker = PipelineAckTracker(pipelineSize: nodes.count, blockOffset: offset)
    }

    /// Connects to the first node and sets the pipeline up; answers the ack stream.
    private static func open(block: Hadoop_Hdfs_ExtendedBlockProto, nodes: [Hadoop_Hdfs_DatanodeInfoProto], storageIDs: [String],
                             stage: Hadoop_Hdfs_OpWriteBlockProto.BlockConstructionStage, latestStamp: UInt64,
                             bytesAcked: UInt64, bytesSent: UInt64, checksum: ChunkedChecksum, fileSystem: FileSystem)
        async throws -> (TransferConnection, AsyncThrowingStream<Hadoop_Hdfs_PipelineAckProto, Error>.AsyncIterator, Task<Void, Never>) {
        let first = nodes[0].id
        let connection = try await TransferConnection.connect(to: first,
                                                              group: MultiThreadedEventLoopGroup.singleton)
        do {
            var op = Hadoop_Hdfs_OpWriteBlockProto()
            op.header.baseHeader.block = block
            op.header.clientName = fileSystem.clientName
            op.targets = Array(nodes.dropFirst())
            op.stage = stage
            op.pipelineSize = UInt32(nodes.count)
            op.minBytesRcvd = bytesAcked
            op.maxBytesRcvd = bytesSent
            op.latestGenerationStamp = latestStamp
            op.requestedChecksum = checksum.proto
            op.storageType = .disk
            op.targetStorageTypes = Array(repeating: .disk, count: max(0, nodes.count - 1))
            if storageIDs.count == nodes.count {
                op.storageID = storageIDs[0]
                op.targetStorageIds = Array(storageIDs.dropFirst())
            }
            try await connection.send(try OpRequest(opcode: .writeBlock, message: op))
            let reply = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
            guard reply.status == .success else {
                throw PipelineSetupFailure(firstBadLink: reply.firstBadLink, message: reply.message)
            }
        } catch {
            connection.close()
            throw error
        }
        let (stream, continuation) = AsyncThrowingStream<Hadoop_Hdfs_PipelineAckProto, Error>.makeStream()
        let reader = connection.reader
        let task = Task {
            do {
                while true { continuation.yield(try await reader.readDelimited(Hadoop_Hdfs_PipelineAckProto.self)) }
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return (connection, stream.makeAsyncIterator(), task)
    }

    /// The frame of a packet of `data`, in a buffer NIO sends as it is: the sums computed and
    /// the data copied straight into it, once. Synchronous, so `data` (the caller's memory)
    /// need only live through this call.
    func frame(_ header: PacketHeader, data: UnsafeRawBufferPointer) -> ByteBuffer {
        let frameBytes = PacketFrame.frameBytes(header, checksum: checksum)
        var buffer = Self.allocator.buffer(capacity: frameBytes)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: frameBytes) { out in
            PacketFrame.encode(header, data: data, checksum: checksum,
                               into: UnsafeMutableRawBufferPointer(rebasing: out[..<frameBytes]))
            return frameBytes
        }
        return buffer
    }

    /// Sends one framed packet, waiting for acks while the window is full.
    func send(_ header: PacketHeader, frame: ByteBuffer) async throws {
        while !tracker.canSend { try await receiveAck() }
        try tracker.willSend(header)
        unacked[header.seqno] = frame
        connection.write(frame)
    }

    /// Sends one packet encoded elsewhere (the block's empty last packet).
    func send(_ packet: EncodedPacket) async throws {
        try await send(packet.header, frame: Self.allocator.buffer(bytes: packet.bytes))
    }

    /// Waits until every packet sent so far is acknowledged (the end of the block, hflush).
    func waitForAcks() async throws {
        while !tracker.outstanding.isEmpty { try await receiveAck() }
    }

    private func receiveAck() async throws {
        let event: PipelineAckEvent
        do {
            guard let ack = try await acks.next() else { throw TransferIOError.closedByPeer(expecting: "a pipeline ack") }
            event = tracker.receive(ack)
        } catch {
            // No ack at all: as HDFS does, the first datanode is the one we lost.
            try await recover(dropping: 0, reason: "\(error)")
            return
        }
        switch event {
        case .acknowledged(let packet, _):
            unacked[packet.seqno] = nil
        case .heartbeat:
            break
        case .badNode(let index, _, _), .restarting(let index, _):
            try await recover(dropping: index, reason: "\(event)")
        case .unexpectedSeqno, .replyCountMismatch:
            try await recover(dropping: 0, reason: "\(event)")
        }
    }

    /// Rebuilds the pipeline without node `index`, under a new generation stamp, and resends
    /// what was not acknowledged.
    private func recover(dropping index: Int, reason: String) async throws {
        ackTask.cancel()
        connection.close()
        guard nodes.count > 1, index < nodes.count else {
            throw RemoteException(.ioException, "All datanodes of block \(block.b.blockID) are bad; aborting (\(reason))")
        }
        nodes.remove(at: index)
        if storageIDs.count > index { storageIDs.remove(at: index) }

        var update = Hadoop_Hdfs_UpdateBlockForPipelineRequestProto()
        update.block = block.b
        update.clientName = fileSystem.clientName
        let updated = try await fileSystem.call("updateBlockForPipeline", update,
                                                returning: Hadoop_Hdfs_UpdateBlockForPipelineResponseProto.self, idempotent: false)
        let newStamp = updated.block.b.generationStamp
        let resend = tracker.recover(pipelineSize: nodes.count)
        let acked = UInt64(tracker.bytesAckedInBlock)
        let sent = resend.last.map { UInt64($0.endOffsetInBlock) } ?? acked
        var oldBlock = block.b
        oldBlock.numBytes = acked
        (connection, acks, ackTask) = try await Self.open(block: oldBlock, nodes: nodes, storageIDs: storageIDs,
                                                          stage: .pipelineSetupStreamingRecovery, latestStamp: newStamp,
                                                          bytesAcked: acked, bytesSent: sent, checksum: checksum, fileSystem: fileSystem)
        var newBlock = oldBlock
        newBlock.generationStamp = newStamp
        var pipeline = Hadoop_Hdfs_UpdatePipelineRequestProto()
        pipeline.clientName = fileSystem.clientName
        pipeline.oldBlock = oldBlock
        pipeline.newBlock = newBlock
        pipeline.newNodes = nodes.map(\.id)
        pipeline.storageIds = storageIDs
        _ = try await fileSystem.call("updatePipeline", pipeline, returning: Hadoop_Hdfs_UpdatePipelineResponseProto.self, idempotent: false)
        block.b.generationStamp = newStamp
        block.locs = nodes
        block.storageIds = storageIDs
        for packet in resend {
            try tracker.willSend(packet.header)
            if let bytes = unacked[packet.seqno] { connection.write(bytes) }
        }
    }

    func close() {
        ackTask.cancel()
        connection.close()
    }
}

/// The first datanode refused the pipeline; `firstBadLink` names the datanode that failed.
struct PipelineSetupFailure: Error, CustomStringConvertible {
    let firstBadLink: String
    let message: String
    var description: String { "pipeline setup failed at \(firstBadLink.isEmpty ? "the first datanode" : firstBadLink): \(message)" }
}
