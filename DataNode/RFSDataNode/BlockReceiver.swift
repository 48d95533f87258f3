#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import RFSBlockStorage
import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO
import Synchronization

/// WRITE_BLOCK (HDFS's DataXceiver.writeBlock + BlockReceiver): opens the replica for the
/// pipeline's stage, connects to the next datanode and forwards the request, answers the
/// connect, then receives packets — each forwarded downstream first, verified, and written —
/// while a responder task acks each packet upstream once this node wrote it and the
/// downstream acked it. The last packet finalizes the replica (fsync, rename) before its ack.
///
/// Like HDFS, only a client's pipeline gets a connect answer and per-packet acks; a datanode's
/// replication and a TRANSFER_* stage stream without them.
struct BlockReceiver {
    let op: Hadoop_Hdfs_OpWriteBlockProto
    let upstream: TransferConnection
    let context: DataNodeContext

    var blockID: Int64 { Int64(bitPattern: op.header.baseHeader.block.blockID) }
    var isTransfer: Bool { op.stage == .transferRbw || op.stage == .transferFinalized }
    /// A client's pipeline: the connect answer and per-packet acks go upstream.
    var sendsAcks: Bool { !op.header.clientName.isEmpty && !isTransfer }

    func run() async throws {
        let checksum: ChunkedChecksum
        do {
            checksum = op.hasRequestedChecksum ? try ChunkedChecksum(proto: op.requestedChecksum) : .hdfsDefault
        } catch {
            try await upstream.send(DataTransferReplies.failed(.errorInvalid, message: "\(error)"))
            return
        }
        let writer: ReplicaWriter
        do {
            writer = try await openReplica(checksum: checksum)
        } catch {
            context.logger.info("write refused", metadata: ["block": "\(blockID)", "stage": "\(op.stage)", "error": "\(error)"])
            if !op.header.clientName.isEmpty {
                try await upstream.send(DataTransferReplies.writeFailed(firstBadLink: "", message: "\(error)"))
            }
            return
        }
        if writer.checksum != checksum {
            try await abandon(writer, keep: true)
            try await upstream.send(DataTransferReplies.failed(.errorInvalid,
                message: "the replica's checksum \(writer.checksum) differs from the requested \(checksum)"))
            return
        }

        let mirror: TransferConnection?
        switch await connectMirror() {
        case .none: mirror = nil
        case .connected(let connection): mirror = connection
        case .failed(let badLink, let reason):
            if sendsAcks {
                try await abandon(writer, keep: false)
                try await upstream.send(DataTransferReplies.writeFailed(firstBadLink: badLink, message: reason))
                return
            }
            context.logger.warning("replication continues without its downstream", metadata: ["block": "\(blockID)", "mirror": "\(badLink)", "error": "\(reason)"])
            mirror = nil
        }
        defer { mirror?.close() }
        if sendsAcks { try await upstream.send(DataTransferReplies.writeAccepted()) }

        let (acks, ackSink) = AsyncStream<PendingAck>.makeStream()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if sendsAcks {
                    group.addTask { [upstream, context, blockID] in
                        try await Self.respond(to: acks, upstream: upstream, mirror: mirror, blockID: blockID, context: context)
                    }
                }
                do {
                    try await receive(into: writer, checksum: checksum, mirror: mirror, acks: ackSink)
                } catch {
                    ackSink.finish()
                    group.cancelAll()
                    throw error
                }
                ackSink.finish()
                try await group.waitForAll()
            }
        } catch {
            context.logger.info("write pipeline ended early", metadata: ["block": "\(blockID)", "error": "\(error)"])
            if case BlockStorageError.io(_, _, let code)? = error as? BlockStorageError, code != ENOSPC, code != EDQUOT {
                // The disk failed under the write (not merely full): take its volume out.
                context.logger.error("I/O error on a volume; taking it out of service", metadata: ["block": "\(blockID)", "error": "\(error)"])
                writer.abort()
                context.catalog.failVolume(holding: blockID, error: error as! BlockStorageError)
                throw error
            }
            try? await abandon(writer, keep: true)
            throw error
        }
        if isTransfer {
            // The close-ack a TRANSFER_* sender waits for.
            try await upstream.send(DataTransferReplies.writeAccepted())
        }
    }

    // MARK: - Opening the replica

    func openReplica(checksum: ChunkedChecksum) async throws -> ReplicaWriter {
        let block = op.header.baseHeader.block
        let stamp = Int64(bitPattern: block.generationStamp)
        let newStamp = Int64(bitPattern: op.latestGenerationStamp)
        let catalog = context.catalog
        let blockID = blockID
        switch op.stage {
        case .pipelineSetupCreate, .transferRbw, .transferFinalized:
            let expected = Int64(clamping: max(block.numBytes, 1))
            return try await context.onDisk {
                try catalog.create(blockID: blockID, generationStamp: isTransfer ? stamp : max(stamp, newStamp),
                                   expectedBytes: expected, checksum: checksum)
            }
        case .pipelineSetupAppend:
            return try await context.onDisk {
                try catalog.append(blockID: blockID, generationStamp: stamp, newGenerationStamp: newStamp)
            }
        case .pipelineSetupAppendRecovery, .pipelineSetupStreamingRecovery, .pipelineCloseRecovery:
            DataNodeMetrics.pipelineRecoveries.increment()
            return try await catalog.recover(blockID: blockID, generationStamp: stamp, newGenerationStamp: newStamp,
                                             minBytes: Int64(clamping: op.minBytesRcvd))
        case .dataStreaming, .pipelineClose:
            throw ReplicaCatalogError.notFound(blockID: blockID)
        }
    }

    /// Lets go of the replica after a failed write: kept in rbw (its bytes may be recovered)
    /// or removed (nothing of it was promised).
    func abandon(_ writer: ReplicaWriter, keep: Bool) async throws {
        let catalog = context.catalog
        let blockID = blockID
        try await context.onDisk {
            if keep {
                try? writer.close()
                catalog.writerClosed(blockID: blockID, replica: writer.replica)
            } else {
                writer.abort()
                catalog.writerAborted(blockID: blockID)
            }
        }
    }

    // MARK: - The next datanode

    enum MirrorOutcome {
        case none
        case connected(TransferConnection)
        case failed(badLink: String, reason: String)
    }

    func connectMirror() async -> MirrorOutcome {
        guard let next = op.targets.first else { return .none }
        let address = next.id.transferAddress
        do {
            let mirror = try await TransferConnection.connect(to: next.id, group: context.group,
                                                              timeout: context.socketTimeout, readTimeout: context.socketTimeout)
            var downstream = op
            downstream.targets.removeFirst()
            if !downstream.targetStorageTypes.isEmpty { downstream.storageType = downstream.targetStorageTypes.removeFirst() }
            if !downstream.targetStorageIds.isEmpty { downstream.storageID = downstream.targetStorageIds.removeFirst() }
            if !downstream.targetPinnings.isEmpty { downstream.pinning = downstream.targetPinnings.removeFirst() }
            do {
                try await mirror.send(try OpRequest(opcode: .writeBlock, message: downstream))
                if sendsAcks {
                    let reply = try await mirror.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
                    guard reply.status == .success else {
                        mirror.close()
                        let badLink = reply.firstBadLink.isEmpty ? address : reply.firstBadLink
                        return .failed(badLink: badLink, reason: "downstream \(badLink) refused the write: \(reply.message)")
                    }
                }
            } catch {
                mirror.close()
                throw error
            }
            return .connected(mirror)
        } catch {
            return .failed(badLink: address, reason: "\(error)")
        }
    }

    // MARK: - Packets

    /// One packet this node has dealt with, waiting for its ack to go upstream.
    struct PendingAck: Sendable {
        let seqno: Int64
        let status: Hadoop_Hdfs_Status
        let isLast: Bool
        /// The replica's length once this packet is written (nil for a heartbeat): the bytes
        /// acknowledged when its ack goes upstream with every node's success.
        var endOffsetInBlock: Int64? = nil
    }

    /// Receives packets until the last one (finalizing the replica) or an error.
    func receive(into writer: ReplicaWriter, checksum: ChunkedChecksum, mirror: TransferConnection?,
                 acks: AsyncStream<PendingAck>.Continuation) async throws {
        let mirrorFailed = Mutex(false)
        let catalog = context.catalog
        let blockID = blockID
        while true {
            let (layout, frame) = try await upstream.reader.readPacket(checksum: checksum)
            let header = layout.header
            context.logger.trace("packet received", metadata: ["block": "\(blockID)", "header": "\(header)"])
            if let mirror, !mirrorFailed.withLock({ $0 }) {
                // Downstream first, as HDFS does, so the next node works while we verify and write.
                mirror.write(frame).whenFailure { _ in mirrorFailed.withLock { $0 = true } }
            }
            if header.isHeartbeat {
                acks.yield(PendingAck(seqno: header.seqno, status: .success, isLast: false))
                continue
            }
            let verified: Bool = frame.withUnsafeReadableBytes { raw in
                let data = UnsafeRawBufferPointer(rebasing: raw[layout.dataRange])
                let sums = UnsafeRawBufferPointer(rebasing: raw[layout.checksumRange])
                do throws(ChecksumMismatch) {
                    try checksum.verify(data, sums: sums, baseOffset: Int(header.offsetInBlock))
                    return true
                } catch {
                    return false
                }
            }
            guard verified else {
                DataNodeMetrics.checksumFailures.increment()
                acks.yield(PendingAck(seqno: header.seqno, status: .errorChecksum, isLast: true))
                throw TransferIOError.malformed(what: "packet \(header.seqno) of blk_\(blockID)",
                                                reason: "checksum mismatch in the data at block offset \(header.offsetInBlock)")
            }
            // A packet's pwrite lands in the page cache, so it runs here, as HDFS's receiver
            // does: handing each of them to the I/O threads cost more in thread hand-offs than
            // the copy itself. Syncs (hsync) and the final fsync+rename go to the I/O threads.
            let length: Int64
            if header.syncBlock {
                length = try await context.onDisk {
                    try Self.write(frame, layout: layout, to: writer)
                    return Int64(writer.lengthBytes)
                }
            } else {
                try Self.write(frame, layout: layout, to: writer)
                length = Int64(writer.lengthBytes)
            }
            catalog.setVisibleLength(blockID: blockID, length)
            // Without acks (a transfer) nothing downstream confirms anything: what is written
            // here is all there is to acknowledge.
            if !sendsAcks { catalog.setBytesAcked(blockID: blockID, length) }
            DataNodeMetrics.packetsReceived.increment()
            DataNodeMetrics.bytesWritten.increment(by: Int64(header.dataLen))
            if header.lastPacketInBlock {
                let replica = try await context.onDisk { () throws -> ReplicaInfo in
                    if op.stage == .transferRbw {
                        try writer.close()
                        return writer.replica
                    }
                    return try writer.finalize()
                }
                catalog.writerClosed(blockID: blockID, replica: replica)
                acks.yield(PendingAck(seqno: header.seqno, status: .success, isLast: true))
                return
            }
            acks.yield(PendingAck(seqno: header.seqno, status: .success, isLast: false, endOffsetInBlock: length))
        }
    }

    /// Writes a packet's data at its offset. After a pipeline recovery the writer resends
    /// packets from its last acked offset: bytes already on disk are skipped, and a packet
    /// that starts inside a chunk (or straddles what we have) has its sums recomputed.
    static func write(_ frame: ByteBuffer, layout: PacketLayout, to writer: ReplicaWriter) throws {
        let header = layout.header
        let offset = Int(header.offsetInBlock)
        let dataBytes = Int(header.dataLen)
        let onDisk = writer.lengthBytes
        if dataBytes > 0, offset + dataBytes > onDisk {
            guard offset <= onDisk else {
                throw BlockStorageError.invalidRange(blockID: writer.blockID, offset: offset, length: dataBytes, replicaLengthBytes: onDisk)
            }
            try frame.withUnsafeReadableBytes { (raw) throws(BlockStorageError) in
                let data = UnsafeRawBufferPointer(rebasing: raw[layout.dataRange])
                if offset == onDisk, onDisk % writer.checksum.bytesPerChecksum == 0 {
                    try writer.append(data, sums: UnsafeRawBufferPointer(rebasing: raw[layout.checksumRange]))
                } else {
                    try writer.append(UnsafeRawBufferPointer(rebasing: data[(onDisk - offset)...]))
                }
            }
        }
        try writer.flush()
        if header.syncBlock { try writer.sync() }
    }

    /// Sends each packet's ack upstream: this node's status, then the downstream's replies
    /// once its ack for the same seqno arrived. A downstream that fails or answers out of
    /// order is reported as ERROR in its place, which tells the writer to drop it.
    static func respond(to acks: AsyncStream<PendingAck>, upstream: TransferConnection, mirror: TransferConnection?,
                        blockID: Int64, context: DataNodeContext) async throws {
        var mirrorBroken = false
        for await pending in acks {
            var downstream: Hadoop_Hdfs_PipelineAckProto?
            if let mirror, !mirrorBroken, pending.status == .success {
                do {
                    let ack = try await mirror.reader.readDelimited(Hadoop_Hdfs_PipelineAckProto.self)
                    if ack.seqno == pending.seqno { downstream = ack } else { mirrorBroken = true }
                } catch {
                    mirrorBroken = true
                }
            }
            context.logger.trace("ack", metadata: ["seqno": "\(pending.seqno)", "status": "\(pending.status)"])
            let reply = PipelineAcks.upstream(seqno: pending.seqno, local: PipelineAckReply(pending.status),
                                              downstream: downstream, mirrorFailed: mirrorBroken && pending.status == .success)
            // Every node from here down holds the packet: readers may be told of its bytes.
            // Set before the ack leaves, so a writer whose hflush returned finds every node of
            // its pipeline already answering the new length (HDFS sets bytesAcked just after).
            if let end = pending.endOffsetInBlock,
               PipelineAcks.replies(of: reply).allSatisfy({ $0.status == .success }),
               mirror == nil || downstream != nil {
                context.catalog.setBytesAcked(blockID: blockID, end)
            }
            try await upstream.send(reply)
            if pending.isLast || pending.status != .success || mirrorBroken { return }
        }
    }
}
