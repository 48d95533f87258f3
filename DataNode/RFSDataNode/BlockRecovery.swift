import Logging
import NIOPosix
import RFSBlockStorage
import RFSModel
import RFSProtocol
import RFSRPC

/// Block recovery, as HDFS's BlockRecoveryWorker does it: the primary datanode named by the
/// namenode asks every replica holder to hold its replica (initReplicaRecovery), agrees on a
/// length, has the chosen replicas cut to it, stamped with the recovery id and finalized
/// (updateReplicaUnderRecovery), and tells the namenode the outcome
/// (commitBlockSynchronization), which closes the dead writer's file.
enum BlockRecovery {
    /// One holder's answer to initReplicaRecovery.
    struct Found: Sendable, Equatable {
        var node: Int
        var replica: ReplicaCatalog.RecoveryCandidate
    }

    /// What recovery settles on: the length every kept replica is cut to, and which nodes
    /// (indexes into the recovering block's locations) keep one.
    enum Plan: Sendable, Equatable {
        case keep(length: Int64, nodes: [Int])
        /// No holder has a replica: the block goes (its bytes were never anywhere).
        case deleteBlock
    }

    enum Failure: Error, CustomStringConvertible {
        case inconsistentFinalizedLengths([Int64])
        case noHolderAnswered(block: UInt64)
        case noReplicaUpdated(block: UInt64, errors: [String])

        var description: String {
            switch self {
            case .inconsistentFinalizedLengths(let lengths): "finalized replicas disagree on the length: \(lengths)"
            case .noHolderAnswered(let block): "no holder of blk_\(block) could be asked; the namenode will retry"
            case .noReplicaUpdated(let block, let errors): "no replica of blk_\(block) could be recovered: \(errors.joined(separator: "; "))"
            }
        }
    }

    /// The decision, pure. A finalized replica fixes the length (the writer's last packet was
    /// acknowledged by that node, so every byte of it was acknowledged); replicas being written
    /// that hold at least that much are cut to it and kept. Without a finalized replica, the
    /// shortest replica being written bounds what every node is known to hold. A truncate
    /// names the length itself.
    static func plan(_ found: [Found], truncateTo: Int64? = nil) throws(Failure) -> Plan {
        guard !found.isEmpty else { return .deleteBlock }
        if let truncateTo {
            let nodes = found.filter { $0.replica.lengthBytes >= truncateTo }.map(\.node)
            return nodes.isEmpty ? .deleteBlock : .keep(length: truncateTo, nodes: nodes)
        }
        let finalizedLengths = Set(found.filter { $0.replica.state == .finalized }.map(\.replica.lengthBytes))
        if finalizedLengths.count > 1 { throw .inconsistentFinalizedLengths(finalizedLengths.sorted()) }
        if let length = finalizedLengths.first {
            return .keep(length: length, nodes: found.filter { $0.replica.lengthBytes >= length }.map(\.node))
        }
        let length = found.map(\.replica.lengthBytes).min()!
        return .keep(length: length, nodes: found.map(\.node))
    }

    /// Runs one recovery as its primary and reports to the namenode through `namenode`.
    static func run(_ recovering: Rfs_Datanode_RecoveringBlock, context: DataNodeContext, namenode: RPCClient) async throws {
        let block = recovering.block
        let recoveryID = recovering.newGenerationStamp
        let logger = context.logger
        // One connection per holder for both steps.
        let holders = recovering.locations.map { ReplicaHolder($0.id, context: context) }
        defer { for holder in holders { holder.close() } }
        var found: [Found] = []
        var answered = 0
        for (index, location) in recovering.locations.enumerated() {
            do {
                if let replica = try await holders[index].initRecovery(recovering) {
                    found.append(Found(node: index, replica: replica))
                }
                answered += 1
            } catch {
                logger.warning("block recovery: a holder could not be asked", metadata: [
                    "block": "\(block.blockID)", "holder": "\(location.id.transferAddress)", "error": "\(error)"])
            }
        }
        // Deleting the block is only right when every holder said it has nothing.
        guard !found.isEmpty || answered == recovering.locations.count else {
            throw Failure.noHolderAnswered(block: block.blockID)
        }
        let plan = try plan(found, truncateTo: recovering.hasNewLength ? Int64(clamping: recovering.newLength) : nil)

        var commit = Rfs_Datanode_CommitBlockSynchronizationRequest()
        commit.block = block
        commit.newGenerationStamp = recoveryID
        commit.closeFile = true
        switch plan {
        case .deleteBlock:
            commit.deleteBlock = true
        case .keep(let length, let nodes):
            var errors: [String] = []
            for index in nodes {
                let location = recovering.locations[index]
                do {
                    let storage = try await holders[index].finishRecovery(block, recoveryID: recoveryID, newLength: length)
                    commit.newTargets.append(location.id)
                    commit.newTargetStorages.append(storage)
                } catch {
                    errors.append("\(location.id.transferAddress): \(error)")
                }
            }
            guard !commit.newTargets.isEmpty else { throw Failure.noReplicaUpdated(block: block.blockID, errors: errors) }
            commit.newLength = UInt64(length)
        }
        _ = try await namenode.call("commitBlockSynchronization", commit,
                                    returning: Rfs_Datanode_CommitBlockSynchronizationResponse.self, idempotent: true)
        logger.info("block recovered", metadata: [
            "block": "\(block.blockID)", "recoveryID": "\(recoveryID)", "length": "\(commit.newLength)",
            "replicas": "\(commit.newTargets.count)", "deleted": "\(commit.deleteBlock)"])
    }
}

/// One replica holder during recovery: this datanode (asked directly) or another one (asked
/// over InterDatanodeProtocol on its IPC port).
struct ReplicaHolder {
    private let context: DataNodeContext
    private let remote: RPCClient?

    init(_ id: Hadoop_Hdfs_DatanodeIDProto, context: DataNodeContext) {
        self.context = context
        if id.datanodeUuid == context.identity.datanodeUUID {
            remote = nil
        } else {
            var configuration = RPCClientConfiguration(addresses: [HostPort(host: id.ipAddr, port: Int(id.ipcPort))],
                                                       user: "datanode", protocolName: ProtocolNames.interDatanodeProtocol)
            // A dead holder must not stall the recovery of the others for minutes.
            configuration.maxRetries = 2
            configuration.maxFailovers = 0
            configuration.connectTimeout = .seconds(5)
            configuration.callTimeout = .seconds(60)
            remote = RPCClient(configuration: configuration, group: context.group, logger: context.logger)
        }
    }

    func close() {
        guard let remote else { return }
        Task { await remote.close() }
    }

    func initRecovery(_ recovering: Rfs_Datanode_RecoveringBlock) async throws -> ReplicaCatalog.RecoveryCandidate? {
        guard let remote else { return try await InterDatanodeService.initRecovery(recovering, catalog: context.catalog) }
        var request = Rfs_Datanode_InitReplicaRecoveryRequest()
        request.block = recovering
        let response = try await remote.call("initReplicaRecovery", request,
                                             returning: Rfs_Datanode_InitReplicaRecoveryResponse.self, idempotent: false)
        guard response.replicaFound else { return nil }
        return ReplicaCatalog.RecoveryCandidate(
            state: response.replica.state == .finalized ? .finalized : .rbw,
            generationStamp: Int64(bitPattern: response.replica.generationStamp),
            lengthBytes: Int64(clamping: response.replica.length))
    }

    func finishRecovery(_ block: Hadoop_Hdfs_ExtendedBlockProto, recoveryID: UInt64, newLength: Int64) async throws -> String {
        var request = Rfs_Datanode_UpdateReplicaUnderRecoveryRequest()
        request.block = block
        request.recoveryID = recoveryID
        request.newLength = UInt64(newLength)
        request.newBlockID = block.blockID
        guard let remote else { return try await InterDatanodeService.finishRecovery(request, catalog: context.catalog, io: context.io).storageUuid }
        return try await remote.call("updateReplicaUnderRecovery", request,
                                     returning: Rfs_Datanode_UpdateReplicaUnderRecoveryResponse.self, idempotent: false).storageUuid
    }
}

/// InterDatanodeProtocol on the datanode's IPC port: the holder's side of block recovery.
enum InterDatanodeService {
    static func register(into registry: inout RPCServiceRegistry, catalog: ReplicaCatalog, io: NIOThreadPool) {
        let name = ProtocolNames.interDatanodeProtocol
        registry.register(protocol: name, method: "initReplicaRecovery") { (request: Rfs_Datanode_InitReplicaRecoveryRequest, _: RPCCallContext) in
            var response = Rfs_Datanode_InitReplicaRecoveryResponse()
            if let replica = try await initRecovery(request.block, catalog: catalog) {
                response.replicaFound = true
                response.replica.blockID = request.block.block.blockID
                response.replica.generationStamp = UInt64(bitPattern: replica.generationStamp)
                response.replica.length = UInt64(max(0, replica.lengthBytes))
                response.replica.state = replica.state == .finalized ? .finalized : .rbw
            }
            return response
        }
        registry.register(protocol: name, method: "updateReplicaUnderRecovery") { (request: Rfs_Datanode_UpdateReplicaUnderRecoveryRequest, _: RPCCallContext) in
            try await finishRecovery(request, catalog: catalog, io: io)
        }
    }

    static func initRecovery(_ recovering: Rfs_Datanode_RecoveringBlock, catalog: ReplicaCatalog) async throws -> ReplicaCatalog.RecoveryCandidate? {
        try await catalog.startRecovery(blockID: Int64(bitPattern: recovering.block.blockID),
                                        generationStamp: Int64(bitPattern: recovering.block.generationStamp),
                                        recoveryID: Int64(bitPattern: recovering.newGenerationStamp))
    }

    static func finishRecovery(_ request: Rfs_Datanode_UpdateReplicaUnderRecoveryRequest,
                               catalog: ReplicaCatalog, io: NIOThreadPool) async throws -> Rfs_Datanode_UpdateReplicaUnderRecoveryResponse {
        guard request.newBlockID == request.block.blockID else {
            throw ReplicaCatalogError.notFound(blockID: Int64(bitPattern: request.newBlockID))
        }
        let storage = try await io.runIfActive {
            try catalog.finishRecovery(blockID: Int64(bitPattern: request.block.blockID),
                                       recoveryID: Int64(bitPattern: request.recoveryID),
                                       newLength: Int64(clamping: request.newLength))
        }
        var response = Rfs_Datanode_UpdateReplicaUnderRecoveryResponse()
        response.storageUuid = storage
        return response
    }
}
