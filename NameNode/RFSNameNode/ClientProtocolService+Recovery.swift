import RFSNamespace
import RFSProtocol
import RFSRPC

/// Lease recovery: closing a file whose writer is gone. When its last block holds bytes, the
/// replicas may disagree on how many, so a datanode holding one (the primary) reconciles
/// them under a new generation stamp (block recovery) and reports back with
/// commitBlockSynchronization, which closes the file at the agreed length.
extension ClientProtocolService {
    /// recoverLease: true when the file is closed (or was never open); false while block
    /// recovery runs, and the caller asks again, as HDFS's clients do.
    func recoverLease(path: String, context: RPCCallContext) async throws -> Bool {
        let file = try reads().fileForRead(path, caller: caller(context))
        guard file.hasUnderConstruction else { return true }
        if let last = file.blocks.last, !last.complete, last.numBytes > 0 || !blocks.locations(of: last.id).nodes.isEmpty {
            try await startBlockRecovery(of: last, in: file, path: path, context: context)
            return false
        }
        var op = Rfs_Namenode_ReleaseLease()
        op.path = path
        op.fileID = file.id
        op.holder = file.underConstruction.clientName
        return try await propose(.releaseLease(op), context: context) == .flag(true)
    }

    /// Sends the recovery of `block` to a live holder, unless one is already running. Each
    /// attempt has its own generation stamp (the recovery id), logged before it is used, so a
    /// late answer from an abandoned attempt is told apart and refused.
    func startBlockRecovery(of block: Rfs_Namenode_BlockRecord, in file: Rfs_Namenode_InodeRecord, path: String,
                            context: RPCCallContext) async throws {
        let now = clock()
        if leases.recoveryInProgress(blockID: block.id, nowMillis: now) != nil { return }
        var op = Rfs_Namenode_NewGenerationStamp()
        op.blockID = block.id
        op.generationStamp = engine.allocateGenerationStamp()
        // An edit besides the call's own (a truncate's, a recoverLease's): under the call's
        // retry identity the retry cache would answer it with the truncate's outcome, and the
        // recovery id would go out without ever being logged.
        _ = try await propose(.newGenerationStamp(op), context: context.withoutRetryIdentity)
        // A truncate inside the block names the length (recorded with the truncate, so it
        // survives a restart); otherwise the replicas settle it among themselves.
        let newLength = file.underConstruction.truncating ? block.numBytes : nil
        guard blocks.startRecovery(of: block.id, recoveryID: op.generationStamp, newLength: newLength) else {
            logger.warning("lease recovery waits: no live datanode holds a replica of the last block",
                           metadata: ["path": "\(path)", "block": "\(block.id)"])
            return
        }
        leases.recoveryStarted(blockID: block.id, recoveryID: op.generationStamp, nowMillis: now)
        logger.info("block recovery started", metadata: ["path": "\(path)", "block": "\(block.id)", "recoveryID": "\(op.generationStamp)"])
    }

    /// The primary datanode's report (DatanodeProtocol): the file is closed with its last
    /// block at the agreed length and stamp, or without it when no replica existed.
    func commitBlockSynchronization(_ request: Rfs_Datanode_CommitBlockSynchronizationRequest) async throws {
        let blockID = request.block.blockID
        guard let file = try reads().file(holdingBlock: blockID) else {
            throw NamespaceRejection.io("commitBlockSynchronization: block blk_\(blockID) does not belong to any file (deleted?)")
        }
        guard file.hasUnderConstruction else {
            // A retried report of a recovery that already closed the file.
            if file.blocks.contains(where: { $0.id == blockID && $0.generationStamp == request.newGenerationStamp }) {
                leases.recoveryFinished(blockID: blockID)
                return
            }
            throw NamespaceRejection.io("commitBlockSynchronization: the file of blk_\(blockID) is not under construction")
        }
        guard let last = file.blocks.last, last.id == blockID, !last.complete else {
            throw NamespaceRejection.io("commitBlockSynchronization: blk_\(blockID) is not the last, incomplete block of its file")
        }
        // Only the attempt started last may close the file. After a namenode restart no
        // attempt is known; any stamp newer than the block's was issued by a recovery.
        let current = leases.recovery(of: blockID)
        guard current.map({ $0.recoveryID == request.newGenerationStamp }) ?? (request.newGenerationStamp > last.generationStamp) else {
            throw NamespaceRejection.io("commitBlockSynchronization: recovery \(request.newGenerationStamp) of blk_\(blockID) was superseded by \(current?.recoveryID ?? 0)")
        }
        var op = Rfs_Namenode_ReleaseLease()
        op.path = try reads().path(of: file)
        op.fileID = file.id
        op.holder = file.underConstruction.clientName
        if !request.deleteBlock {
            op.lastBlockLength = request.newLength
            op.lastGenerationStamp = request.newGenerationStamp
        }
        _ = try await propose(.releaseLease(op), context: try namenodeContext(method: "commitBlockSynchronization"))
        leases.recoveryFinished(blockID: blockID)
        logger.info("lease recovered", metadata: [
            "path": "\(op.path)", "block": "\(blockID)", "length": "\(request.newLength)", "deletedBlock": "\(request.deleteBlock)"])
    }

    /// The namenode acting on its own behalf (lease monitor, recovery), as the superuser.
    func namenodeContext(method: String) throws -> RPCCallContext {
        let superuser = try reads().counters()?.superuser ?? "hdfs"
        return RPCCallContext(user: superuser, clientID: [], callID: -1, retryCount: 0,
                              protocolName: ProtocolNames.clientProtocol, methodName: method, remoteAddress: "namenode")
    }

    /// commitBlockSynchronization arrives on DatanodeProtocol but changes the namespace.
    func registerBlockRecovery(into registry: inout RPCServiceRegistry) {
        registry.register(protocol: ProtocolNames.datanodeProtocol, method: "commitBlockSynchronization") {
            [self] (request: Rfs_Datanode_CommitBlockSynchronizationRequest, _: RPCCallContext) in
            try await commitBlockSynchronization(request)
            return Rfs_Datanode_CommitBlockSynchronizationResponse()
        }
    }
}
