#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RFSBlockStorage
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO

/// REQUEST_SHORT_CIRCUIT_FDS (HDFS's DataXceiver.requestShortCircuitFds): a client on this
/// host gets the replica's block and meta files, open, through the Unix domain socket, and
/// reads them itself. The exchange is drawn in `ShortCircuit` (RFSDataTransfer).
///
/// rfs has no block tokens (security off), so the checks are the replica's: it must be here,
/// with at least the asked-for generation stamp, and finalized. Shared-memory slots (which
/// HDFS uses to revoke a client's descriptors) are not implemented: a request naming one is
/// refused, and so are RELEASE_SHORT_CIRCUIT_FDS and REQUEST_SHORT_CIRCUIT_SHM.
enum ShortCircuitFds {
    /// Answers one request; true when the connection may carry another op.
    static func serve(_ op: Hadoop_Hdfs_OpRequestShortCircuitAccessProto, on connection: TransferConnection,
                      domainSocket: Int32?, context: DataNodeContext) async throws -> Bool {
        let block = op.header.block
        let blockID = Int64(bitPattern: block.blockID)
        guard let domainSocket else {
            try await connection.send(DataTransferReplies.failed(message: "You cannot pass file descriptors over anything but a UNIX domain socket."))
            return false
        }
        let descriptors: [Int32]
        switch open(op, context: context) {
        case .refused(let reply):
            context.logger.info("short-circuit access refused", metadata: ["block": "\(blockID)", "status": "\(reply.status)", "reason": "\(reply.message)"])
            try await connection.send(reply)
            return true
        case .opened(let opened):
            descriptors = opened
        }
        defer { for descriptor in descriptors { Glibc.close(descriptor) } }
        var reply = Hadoop_Hdfs_BlockOpResponseProto()
        reply.status = .success
        reply.shortCircuitAccessVersion = ShortCircuit.blockFormatVersion
        // The reply must have left before the descriptors' byte, which bypasses NIO.
        try await connection.send(reply)
        try DomainSocketDescriptors.send(descriptors, byte: UInt8(Hadoop_Hdfs_ShortCircuitFdResponse.doNotUseReceiptVerification.rawValue),
                                         on: domainSocket, path: "datanode \(context.identity.transferAddress)")
        DataNodeMetrics.shortCircuitGrants.increment()
        return true
    }

    enum Opening {
        case opened([Int32])
        case refused(Hadoop_Hdfs_BlockOpResponseProto)
    }

    /// The replica's block and meta files, opened read-only, or the refusal to send.
    static func open(_ op: Hadoop_Hdfs_OpRequestShortCircuitAccessProto, context: DataNodeContext) -> Opening {
        let block = op.header.block
        let blockID = Int64(bitPattern: block.blockID)
        if op.hasSlotID {
            return .refused(DataTransferReplies.failed(.errorUnsupported, message: "this datanode does not support short-circuit shared memory slots"))
        }
        if op.maxVersion < ShortCircuit.blockFormatVersion {
            var reply = DataTransferReplies.failed(.errorUnsupported, message: "The optional feature of short-circuit reads needs block format version \(ShortCircuit.blockFormatVersion); the client supports at most \(op.maxVersion)")
            reply.shortCircuitAccessVersion = ShortCircuit.blockFormatVersion
            return .refused(reply)
        }
        let replica: ReplicaInfo
        do {
            (replica, _) = try context.catalog.replicaForRead(blockID: blockID, generationStamp: Int64(bitPattern: block.generationStamp))
        } catch {
            return .refused(DataTransferReplies.failed(message: "\(error)"))
        }
        guard replica.state == .finalized else {
            // Refused for this replica only (a version in the reply): the client reads it over
            // TCP, where the datanode serves a replica being written up to its visible length.
            var reply = DataTransferReplies.failed(.errorUnsupported, message: "\(replica) is being written; read it over TCP")
            reply.shortCircuitAccessVersion = ShortCircuit.blockFormatVersion
            return .refused(reply)
        }
        let blockFile = Glibc.open(replica.blockPath, O_RDONLY | O_CLOEXEC)
        guard blockFile >= 0 else {
            return .refused(DataTransferReplies.failed(message: "cannot open \(replica.blockPath): \(String(cString: strerror(errno)))"))
        }
        let metaFile = Glibc.open(replica.metaPath, O_RDONLY | O_CLOEXEC)
        guard metaFile >= 0 else {
            let code = errno
            Glibc.close(blockFile)
            return .refused(DataTransferReplies.failed(message: "cannot open \(replica.metaPath): \(String(cString: strerror(code)))"))
        }
        return .opened([blockFile, metaFile])
    }

    /// RELEASE_SHORT_CIRCUIT_FDS: no slot was ever handed out.
    static func refuseRelease(on connection: TransferConnection) async throws {
        var reply = Hadoop_Hdfs_ReleaseShortCircuitAccessResponseProto()
        reply.status = .errorUnsupported
        reply.error = "unsupported operation"
        try await connection.send(reply)
    }

    /// REQUEST_SHORT_CIRCUIT_SHM: HDFS's answer from a datanode configured without shared memory.
    static func refuseSharedMemory(on connection: TransferConnection) async throws {
        var reply = Hadoop_Hdfs_ShortCircuitShmResponseProto()
        reply.status = .errorUnsupported
        reply.error = "This datanode has not been configured to support short-circuit shared memory segments."
        try await connection.send(reply)
    }
}
