import RFSChecksum
import RFSProtocol

/// Why a ChecksumProto from a peer cannot describe a block's checksums.
public enum ChecksumSettingsRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case bytesPerChecksumOutOfRange(UInt32, limit: Int)

    public var description: String {
        switch self {
        case .bytesPerChecksumOutOfRange(let value, let limit):
            "bytesPerChecksum \(value) is outside 1...\(limit)"
        }
    }
}

extension ChunkedChecksum {
    /// The checksum settings a WRITE_BLOCK requests or a READ_BLOCK reply announces.
    /// `ChunkedChecksum.init` traps on a zero chunk size, so a peer's value is checked here.
    public init(proto: Hadoop_Hdfs_ChecksumProto) throws(ChecksumSettingsRejection) {
        let bytesPerChecksum = proto.bytesPerChecksum
        guard bytesPerChecksum >= 1, Int(bytesPerChecksum) <= DataTransferLimits.bytesPerChecksumMax else {
            throw .bytesPerChecksumOutOfRange(bytesPerChecksum, limit: DataTransferLimits.bytesPerChecksumMax)
        }
        let type: ChecksumType = switch proto.type {
        case .checksumNull: .null
        case .checksumCrc32: .crc32
        case .checksumCrc32C: .crc32c
        }
        self.init(type: type, bytesPerChecksum: Int(bytesPerChecksum))
    }

    public var proto: Hadoop_Hdfs_ChecksumProto {
        var proto = Hadoop_Hdfs_ChecksumProto()
        proto.type = switch type {
        case .null: .checksumNull
        case .crc32: .checksumCrc32
        case .crc32c: .checksumCrc32C
        }
        proto.bytesPerChecksum = UInt32(bytesPerChecksum)
        return proto
    }
}

/// The replies a datanode sends, built with every proto2 `required` field the Java client
/// insists on.
public enum DataTransferReplies {
    /// WRITE_BLOCK accepted by the whole pipeline. DataXceiver always sets firstBadLink, empty
    /// when every mirror connected.
    public static func writeAccepted() -> Hadoop_Hdfs_BlockOpResponseProto {
        var reply = Hadoop_Hdfs_BlockOpResponseProto()
        reply.status = .success
        reply.firstBadLink = ""
        return reply
    }

    /// WRITE_BLOCK refused because the mirror at `firstBadLink` ("ip:xferPort") failed to
    /// connect or answer; the client drops that node and rebuilds the pipeline.
    public static func writeFailed(firstBadLink: String, message: String) -> Hadoop_Hdfs_BlockOpResponseProto {
        var reply = Hadoop_Hdfs_BlockOpResponseProto()
        reply.status = .error
        reply.firstBadLink = firstBadLink
        reply.message = message
        return reply
    }

    /// READ_BLOCK accepted: packets follow, starting at `chunkOffset` (see `ReadPlan`).
    public static func readAccepted(checksum: ChunkedChecksum, chunkOffset: Int64) -> Hadoop_Hdfs_BlockOpResponseProto {
        var info = Hadoop_Hdfs_ReadOpChecksumInfoProto()
        info.checksum = checksum.proto
        info.chunkOffset = UInt64(max(chunkOffset, 0))
        var reply = Hadoop_Hdfs_BlockOpResponseProto()
        reply.status = .success
        reply.readOpChecksumInfo = info
        return reply
    }

    /// Any op refused. `status` is ERROR unless a more precise one applies
    /// (ERROR_ACCESS_TOKEN, ERROR_UNSUPPORTED, ERROR_INVALID…); the Java client shows `message`.
    public static func failed(_ status: Hadoop_Hdfs_Status = .error, message: String) -> Hadoop_Hdfs_BlockOpResponseProto {
        var reply = Hadoop_Hdfs_BlockOpResponseProto()
        reply.status = status
        reply.message = message
        return reply
    }

    /// The reader's verdict after the last packet of a READ_BLOCK: CHECKSUM_OK when every
    /// checksum verified (the datanode may then mark the replica as recently verified),
    /// ERROR_CHECKSUM otherwise. Only sent when the whole requested range was read.
    public static func clientReadStatus(checksumsVerified: Bool) -> Hadoop_Hdfs_ClientReadStatusProto {
        var status = Hadoop_Hdfs_ClientReadStatusProto()
        status.status = checksumsVerified ? .checksumOk : .errorChecksum
        return status
    }

    /// The target's answer after a TRANSFER_BLOCK (or the end of a transfer's pipeline).
    public static func transferAck(_ status: Hadoop_Hdfs_Status) -> Hadoop_Hdfs_DNTransferAckProto {
        var ack = Hadoop_Hdfs_DNTransferAckProto()
        ack.status = status
        return ack
    }
}
