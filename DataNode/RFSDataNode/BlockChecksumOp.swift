import Crypto
import Foundation
import RFSBlockStorage
import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO

/// BLOCK_CHECKSUM (HDFS's BlockChecksumHelper, MD5CRC mode): the MD5 of the block's chunk
/// sums as stored, over the requested length. A client combines the blocks' MD5s into the
/// file's MD5-of-MD5-of-CRC checksum (`hdfs dfs -checksum`).
enum BlockChecksumOp {
    static func serve(_ op: Hadoop_Hdfs_OpBlockChecksumProto, on connection: TransferConnection, context: DataNodeContext) async throws {
        let block = op.header.block
        let blockID = Int64(bitPattern: block.blockID)
        if op.hasBlockChecksumOptions, op.blockChecksumOptions.blockChecksumType != .md5Crc {
            try await connection.send(DataTransferReplies.failed(.errorUnsupported,
                message: "block checksum type \(op.blockChecksumOptions.blockChecksumType) is not supported; use MD5CRC"))
            return
        }
        do {
            let response = try await context.onDisk {
                try compute(blockID: blockID, generationStamp: Int64(bitPattern: block.generationStamp),
                            requestedLength: Int64(bitPattern: block.numBytes), context: context)
            }
            var reply = Hadoop_Hdfs_BlockOpResponseProto()
            reply.status = .success
            reply.checksumResponse = response
            try await connection.send(reply)
        } catch {
            context.logger.info("block checksum refused", metadata: ["block": "\(blockID)", "error": "\(error)"])
            try await connection.send(DataTransferReplies.failed(message: "\(error)"))
        }
    }

    static func compute(blockID: Int64, generationStamp: Int64, requestedLength: Int64,
                        context: DataNodeContext) throws -> Hadoop_Hdfs_OpBlockChecksumResponseProto {
        let (replica, visibleLength) = try context.catalog.replicaForRead(blockID: blockID, generationStamp: generationStamp)
        let reader = try ReplicaReader(replica)
        defer { reader.close() }
        let available = min(visibleLength, Int64(reader.lengthBytes))
        let length = Int(requestedLength > 0 ? min(requestedLength, available) : available)
        guard requestedLength <= available else {
            throw BlockStorageError.invalidRange(blockID: blockID, offset: 0, length: Int(requestedLength), replicaLengthBytes: Int(available))
        }
        let checksum = reader.checksum
        let bytesPerChecksum = checksum.bytesPerChecksum
        let wholeChunkBytes = length / bytesPerChecksum * bytesPerChecksum
        var md5 = Insecure.MD5()
        var offset = 0
        let slice = max(1, (1 << 20) / bytesPerChecksum) * bytesPerChecksum
        while offset < wholeChunkBytes {
            let count = min(slice, wholeChunkBytes - offset)
            md5.update(data: try reader.readSums(offset: offset, length: count))
            offset += count
        }
        if length > wholeChunkBytes {
            // A length inside a chunk: the sum of just the requested part of that chunk.
            let tail = try reader.read(offset: wholeChunkBytes, length: length - wholeChunkBytes)
            md5.update(data: checksum.compute(tail.data))
        }
        var response = Hadoop_Hdfs_OpBlockChecksumResponseProto()
        response.bytesPerCrc = UInt32(bytesPerChecksum)
        response.crcPerBlock = UInt64(checksum.chunkCount(forDataLength: length))
        response.blockChecksum = Data(md5.finalize())
        response.crcType = checksum.proto.type
        return response
    }
}
