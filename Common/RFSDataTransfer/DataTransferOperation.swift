import RFSProtocol
import SwiftProtobuf

/// A request with its body decoded into the Op…Proto its opcode names.
public enum DataTransferOperation: Sendable, Equatable {
    case writeBlock(Hadoop_Hdfs_OpWriteBlockProto)
    case readBlock(Hadoop_Hdfs_OpReadBlockProto)
    case replaceBlock(Hadoop_Hdfs_OpReplaceBlockProto)
    case copyBlock(Hadoop_Hdfs_OpCopyBlockProto)
    case blockChecksum(Hadoop_Hdfs_OpBlockChecksumProto)
    case transferBlock(Hadoop_Hdfs_OpTransferBlockProto)
    case blockGroupChecksum(Hadoop_Hdfs_OpBlockGroupChecksumProto)
    /// REQUEST_SHORT_CIRCUIT_FDS: the block and meta file descriptors, over a Unix socket only.
    case requestShortCircuitFds(Hadoop_Hdfs_OpRequestShortCircuitAccessProto)
    /// RELEASE_SHORT_CIRCUIT_FDS and REQUEST_SHORT_CIRCUIT_SHM: the shared-memory slots rfs
    /// does not implement; each is answered with its own reply type, ERROR_UNSUPPORTED.
    case releaseShortCircuitFds(Hadoop_Hdfs_ReleaseShortCircuitAccessRequestProto)
    case requestShortCircuitShm(Hadoop_Hdfs_ShortCircuitShmRequestProto)
    /// Opcodes rfs does not parse further: OP_CUSTOM and the obsolete READ_METADATA. A
    /// datanode answers ERROR_UNSUPPORTED.
    case unsupported(DataTransferOpcode, body: [UInt8])

    public var opcode: DataTransferOpcode {
        switch self {
        case .writeBlock: .writeBlock
        case .readBlock: .readBlock
        case .replaceBlock: .replaceBlock
        case .copyBlock: .copyBlock
        case .blockChecksum: .blockChecksum
        case .transferBlock: .transferBlock
        case .blockGroupChecksum: .blockGroupChecksum
        case .requestShortCircuitFds: .requestShortCircuitFds
        case .releaseShortCircuitFds: .releaseShortCircuitFds
        case .requestShortCircuitShm: .requestShortCircuitShm
        case .unsupported(let opcode, _): opcode
        }
    }
}

extension OpRequest {
    /// The body decoded by opcode. Missing proto2 `required` fields are tolerated, as for
    /// every message rfs receives (hdfs-native omits some); the datanode checks what it uses.
    public func decodeOperation() throws(OpRequestRejection) -> DataTransferOperation {
        switch opcode {
        case .writeBlock: .writeBlock(try decodeBody())
        case .readBlock: .readBlock(try decodeBody())
        case .replaceBlock: .replaceBlock(try decodeBody())
        case .copyBlock: .copyBlock(try decodeBody())
        case .blockChecksum: .blockChecksum(try decodeBody())
        case .transferBlock: .transferBlock(try decodeBody())
        case .blockGroupChecksum: .blockGroupChecksum(try decodeBody())
        case .requestShortCircuitFds: .requestShortCircuitFds(try decodeBody())
        case .releaseShortCircuitFds: .releaseShortCircuitFds(try decodeBody())
        case .requestShortCircuitShm: .requestShortCircuitShm(try decodeBody())
        case .readMetadata, .custom:
            .unsupported(opcode, body: body)
        }
    }

    /// The body as `M`, leniently (see `decodeOperation`).
    public func decodeBody<M: SwiftProtobuf.Message>(as type: M.Type = M.self) throws(OpRequestRejection) -> M {
        do {
            return try M(serializedBytes: body, partial: true)
        } catch {
            throw .undecodableBody(opcode: opcode, reason: "\(error)")
        }
    }

    /// The request for `operation`, encoded strictly (see `init(opcode:message:)`).
    public init(_ operation: DataTransferOperation) throws {
        switch operation {
        case .writeBlock(let message): try self.init(opcode: .writeBlock, message: message)
        case .readBlock(let message): try self.init(opcode: .readBlock, message: message)
        case .replaceBlock(let message): try self.init(opcode: .replaceBlock, message: message)
        case .copyBlock(let message): try self.init(opcode: .copyBlock, message: message)
        case .blockChecksum(let message): try self.init(opcode: .blockChecksum, message: message)
        case .transferBlock(let message): try self.init(opcode: .transferBlock, message: message)
        case .blockGroupChecksum(let message): try self.init(opcode: .blockGroupChecksum, message: message)
        case .requestShortCircuitFds(let message): try self.init(opcode: .requestShortCircuitFds, message: message)
        case .releaseShortCircuitFds(let message): try self.init(opcode: .releaseShortCircuitFds, message: message)
        case .requestShortCircuitShm(let message): try self.init(opcode: .requestShortCircuitShm, message: message)
        case .unsupported(let opcode, let body): self.init(opcode: opcode, body: body)
        }
    }
}
