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

/// Sends replica bytes as packets (HDFS's BlockSender): the head of each packet (lengths,
/// header, sums read from the meta file) from memory, the data straight from the block file
/// with sendfile. A window of packets is in flight; we wait only when it is full.
enum BlockSender {
    /// Packets written but not yet known to have left, before the sender waits.
    static let packetsInFlight = 32

    /// READ_BLOCK: checks the replica and the range, answers, streams the packets, then takes
    /// the reader's status. True when the connection may carry another op.
    static func serveRead(_ op: Hadoop_Hdfs_OpReadBlockProto, on connection: TransferConnection,
                          context: DataNodeContext) async throws -> Bool {
        let block = op.header.baseHeader.block
        let blockID = Int64(bitPattern: block.blockID)
        let opened: (ReplicaReader, ReadPlan)
        do {
            opened = try await open(blockID: blockID, generationStamp: Int64(bitPattern: block.generationStamp),
                                    offset: op.offset, length: op.len, context: context)
        } catch {
            context.logger.info("read refused", metadata: ["block": "\(blockID)", "error": "\(error)"])
            try await connection.send(DataTransferReplies.failed(message: "\(error)"))
            return false
        }
        let (reader, plan) = opened
        defer { reader.close() }
        let sendChecksums = !op.hasSendChecksums || op.sendChecksums
        let announced = sendChecksums ? reader.checksum : ChunkedChecksum(type: .null, bytesPerChecksum: reader.checksum.bytesPerChecksum)
        try await connection.send(DataTransferReplies.readAccepted(checksum: announced, chunkOffset: plan.chunkOffset))
        try await send(plan, from: reader, checksums: sendChecksums, on: connection)
        // The reader's verdict; a reader that simply closes is fine too.
        do {
            let status = try await connection.reader.readDelimited(Hadoop_Hdfs_ClientReadStatusProto.self)
            if status.status == .errorChecksum {
                context.logger.warning("a reader reported a checksum error", metadata: ["block": "\(blockID)"])
            }
            return true
        } catch {
            return false
        }
    }

    /// How long a read of a replica being written waits for bytes it asks for to reach this
    /// node's disk (HDFS's BlockSender waits 3 s): a reader told the pipeline's acknowledged
    /// length by one node may ask another that has not written the last packet yet.
    static let bytesOnDiskWait = Duration.seconds(3)

    /// The replica and the packets for `offset` and `length` of it.
    static func open(blockID: Int64, generationStamp: Int64, offset: UInt64, length: UInt64,
                     context: DataNodeContext) async throws -> (ReplicaReader, ReadPlan) {
        var (replica, visibleLength) = try context.catalog.replicaForRead(blockID: blockID, generationStamp: generationStamp)
        let wantedEnd = length > UInt64(Int64.max) - offset ? Int64.max : Int64(offset + length)
        if wantedEnd > visibleLength, wantedEnd != Int64.max, context.catalog.isBeingWritten(blockID: blockID) {
            let deadline = ContinuousClock.now.advanced(by: bytesOnDiskWait)
            while wantedEnd > visibleLength, ContinuousClock.now < deadline, context.catalog.isBeingWritten(blockID: blockID) {
                try await Task.sleep(for: .milliseconds(10))
                (replica, visibleLength) = try context.catalog.replicaForRead(blockID: blockID, generationStamp: generationStamp)
            }
        }
        let reader = try ReplicaReader(replica)
        do {
            let plan = try ReadPlan(offset: offset, length: length, replicaLength: min(visibleLength, Int64(reader.lengthBytes)),
                                    bytesPerChecksum: reader.checksum.bytesPerChecksum)
            return (reader, plan)
        } catch {
            reader.close()
            throw error
        }
    }

    /// Streams every packet of `plan`, the empty last one included, and waits until all left.
    static func send(_ plan: ReadPlan, from reader: ReplicaReader, checksums: Bool, on connection: TransferConnection) async throws {
        let span = try reader.fileSpan(offset: 0, length: reader.lengthBytes)
        let duplicate = dup(span.descriptor)
        guard duplicate >= 0 else { throw BlockStorageError.io(operation: "dup", path: reader.replica.blockPath, code: errno) }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: duplicate)
        var inFlight: [EventLoopFuture<Void>] = []
        do {
            for header in plan.packets {
                let offset = Int(header.offsetInBlock)
                let dataBytes = Int(header.dataLen)
                let sums: [UInt8]
                if !checksums || dataBytes == 0 {
                    sums = []
                } else if reader.replica.state == .rbw {
                    sums = try reader.readSumsComputingPartialTail(offset: offset, length: dataBytes)
                } else {
                    sums = try reader.readSums(offset: offset, length: dataBytes)
                }
                let head = sums.withUnsafeBytes { PacketFrame.encodeHead(header, checksums: $0) }
                let headSent = connection.write(head, flush: dataBytes == 0)
                if dataBytes > 0 {
                    inFlight.append(connection.write(FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + dataBytes)))
                } else {
                    inFlight.append(headSent)
                }
                DataNodeMetrics.packetsSent.increment()
                DataNodeMetrics.bytesRead.increment(by: dataBytes)
                if inFlight.count >= packetsInFlight { try await inFlight.removeFirst().get() }
            }
            for future in inFlight { try await future.get() }
        } catch {
            for future in inFlight { _ = try? await future.get() }
            try? handle.close()
            throw error
        }
        try handle.close()
    }
}
