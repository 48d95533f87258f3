import NIOCore
import RFSBlockStorage
import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO

/// Copies a local replica to other datanodes (HDFS's DataNode.DataTransfer): for the
/// namenode's replication commands, and for a client's TRANSFER_BLOCK during pipeline
/// recovery (which adds a datanode to a pipeline and must give it the bytes written so far).
enum ReplicaTransfer {
    /// Streams the replica of `block` to `targets` (a pipeline: the first forwards to the
    /// rest). `clientName` is empty for replication; for TRANSFER_BLOCK it is the writer's,
    /// and the receiver answers with a close-ack once it has the bytes.
    static func send(block: Hadoop_Hdfs_ExtendedBlockProto, targets: [Hadoop_Hdfs_DatanodeInfoProto],
                     targetStorageTypes: [Hadoop_Hdfs_StorageTypeProto] = [], targetStorageIDs: [String] = [],
                     clientName: String, context: DataNodeContext) async throws {
        guard let first = targets.first else { return }
        context.load.transferStarted()
        defer { context.load.transferEnded() }
        let blockID = Int64(bitPattern: block.blockID)
        let (replica, visibleLength) = try context.catalog.replicaForRead(blockID: blockID, generationStamp: Int64(bitPattern: block.generationStamp))
        let reader = try ReplicaReader(replica)
        defer { reader.close() }
        let length = min(visibleLength, Int64(reader.lengthBytes))
        let plan = try ReadPlan(offset: 0, length: UInt64(length), replicaLength: length, bytesPerChecksum: reader.checksum.bytesPerChecksum)

        var op = Hadoop_Hdfs_OpWriteBlockProto()
        op.header.baseHeader.block = block
        op.header.baseHeader.block.numBytes = UInt64(length)
        op.header.baseHeader.block.generationStamp = UInt64(bitPattern: replica.generationStamp)
        op.header.clientName = clientName
        op.targets = Array(targets.dropFirst())
        var source = Hadoop_Hdfs_DatanodeInfoProto()
        source.id = context.identity.proto
        op.source = source
        op.stage = clientName.isEmpty ? .pipelineSetupCreate : (replica.state == .finalized ? .transferFinalized : .transferRbw)
        op.pipelineSize = UInt32(targets.count)
        op.minBytesRcvd = UInt64(length)
        op.maxBytesRcvd = UInt64(length)
        op.latestGenerationStamp = UInt64(bitPattern: replica.generationStamp)
        op.requestedChecksum = reader.checksum.proto
        if !targetStorageTypes.isEmpty {
            op.storageType = targetStorageTypes[0]
            op.targetStorageTypes = Array(targetStorageTypes.dropFirst())
        }
        if !targetStorageIDs.isEmpty {
            op.storageID = targetStorageIDs[0]
            op.targetStorageIds = Array(targetStorageIDs.dropFirst())
        }

        let connection = try await TransferConnection.connect(to: first.id, group: context.group,
                                                              timeout: context.socketTimeout, readTimeout: context.socketTimeout)
        defer { connection.close() }
        try await connection.send(try OpRequest(opcode: .writeBlock, message: op))
        try await BlockSender.send(plan, from: reader, checksums: true, on: connection)
        if !clientName.isEmpty {
            let ack = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
            guard ack.status == .success else {
                throw TransferIOError.malformed(what: "transfer close-ack", reason: "\(ack.status): \(ack.message)")
            }
        }
        context.logger.info("replica transferred", metadata: [
            "block": "\(blockID)", "bytes": "\(length)", "to": "\(targets.map(\.id.transferAddress))"])
    }

    /// TRANSFER_BLOCK from a client: copy our replica to the new pipeline member(s), then answer.
    static func serveTransferOp(_ op: Hadoop_Hdfs_OpTransferBlockProto, on connection: TransferConnection,
                                context: DataNodeContext) async throws {
        do {
            try await send(block: op.header.baseHeader.block, targets: op.targets, targetStorageTypes: op.targetStorageTypes,
                           targetStorageIDs: op.targetStorageIds, clientName: op.header.clientName, context: context)
            try await connection.send(DataTransferReplies.writeAccepted())
        } catch {
            context.logger.info("transfer failed", metadata: ["block": "\(op.header.baseHeader.block.blockID)", "error": "\(error)"])
            try await connection.send(DataTransferReplies.failed(message: "\(error)"))
        }
    }
}
