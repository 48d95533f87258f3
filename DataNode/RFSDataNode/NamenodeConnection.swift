import Logging
import NIOCore
import RFSBlockStorage
import RFSModel
import RFSProtocol
import RFSRPC
import Synchronization

/// This datanode's link to one namenode (HDFS's BPServiceActor): handshake, registration,
/// heartbeats that carry usage out and commands back, full block reports after registering
/// and then periodically, incremental reports as soon as replicas change, and bad-replica
/// reports. Every namenode of the group gets its own; only the active one's commands run.
public final class NamenodeConnection: Sendable {
    public struct Timing: Sendable {
        public var heartbeatInterval: Duration
        public var blockReportInterval: Duration
        /// Wait before retrying a namenode that did not answer.
        public var retryDelay: Duration = .seconds(1)
    }

    public let address: HostPort
    private let rpc: RPCClient
    private let context: DataNodeContext
    private let clusterID: String
    private let timing: Timing
    /// Incremental changes not yet accepted by this namenode.
    private let pending = Mutex<[ReplicaChange]>([])
    /// Set when the namenode asked for a new registration or a full report.
    private let needs = Mutex((register: true, fullReport: true))
    /// Failed volumes already explained to this namenode with an errorReport.
    private let reportedFailedVolumes = Mutex(0)
    /// When the last heartbeat was answered, for the heartbeat-lag figure on /metrics.
    private let lastHeartbeatAnswered = Mutex<ContinuousClock.Instant?>(nil)
    private let logger: Logger

    /// Seconds since this namenode last answered a heartbeat; nil before the first answer.
    public var secondsSinceLastHeartbeat: Double? {
        lastHeartbeatAnswered.withLock { $0 }.map { instant in
            let elapsed = ContinuousClock.now - instant
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
    }

    /// Shared by this datanode's connections: commands run only from the newest active.
    private let fence: ActiveNamenodeFence
    /// Told the group's members whenever the active answers a heartbeat (`NamenodeSet`).
    let membersObserver = Mutex<(@Sendable ([HostPort]) -> Void)?>(nil)

    public init(address: HostPort, clusterID: String, context: DataNodeContext, timing: Timing, rpcTimeout: Duration,
                fence: ActiveNamenodeFence = ActiveNamenodeFence()) {
        self.fence = fence
        var configuration = RPCClientConfiguration(addresses: [address], user: "datanode", protocolName: ProtocolNames.datanodeProtocol)
        configuration.callTimeout = rpcTimeout
        configuration.maxRetries = 0
        configuration.maxFailovers = 0
        self.address = address
        self.rpc = RPCClient(configuration: configuration, group: context.group, logger: context.logger)
        self.context = context
        self.clusterID = clusterID
        self.timing = timing
        self.logger = context.logger
    }

    /// Asks the namenodes who they are (cluster and block pool), each in turn, until one
    /// answers (every namenode of an HA group answers alike) or the task is cancelled.
    public static func handshake(addresses: [HostPort], group: EventLoopGroup, logger: Logger) async throws -> Rfs_Datanode_NamespaceInfo {
        let clients = addresses.map { address in
            var configuration = RPCClientConfiguration(addresses: [address], user: "datanode", protocolName: ProtocolNames.datanodeProtocol)
            configuration.maxRetries = 0
            configuration.maxFailovers = 0
            configuration.callTimeout = .seconds(10)
            return RPCClient(configuration: configuration, group: group, logger: logger)
        }
        defer {
            let closing = clients
            Task { for client in closing { await client.close() } }
        }
        var attempt = 0
        while true {
            try Task.checkCancellation()
            let index = attempt % clients.count
            do {
                let response = try await clients[index].call("versionRequest", Rfs_Datanode_VersionRequest(),
                                                             returning: Rfs_Datanode_VersionResponse.self, idempotent: true)
                return response.info
            } catch {
                attempt += 1
                if attempt == 1 || attempt % 30 == 0 {
                    logger.info("waiting for namenode", metadata: ["namenode": "\(addresses[index])", "error": "\(error)"])
                }
                if attempt % clients.count == 0 { try await Task.sleep(for: .seconds(1)) }
            }
        }
    }

    /// Queues changes for this namenode (every namenode gets every change).
    func enqueue(_ changes: [ReplicaChange]) {
        guard !changes.isEmpty else { return }
        pending.withLock { $0 += changes }
    }

    /// Heartbeats until cancelled; registers and reports whenever needed.
    public func runHeartbeats() async {
        var sinceReport = Duration.zero
        while !Task.isCancelled {
            do {
                if needs.withLock({ $0.register }) {
                    try await register()
                    needs.withLock { $0 = (register: false, fullReport: true) }
                }
                if needs.withLock({ $0.fullReport }) || sinceReport >= timing.blockReportInterval {
                    try await sendFullReport()
                    needs.withLock { $0.fullReport = false }
                    sinceReport = .zero
                    try await reportCorruptFoundAtStart()
                }
                try await sendIncrementalReport()
                try await heartbeat()
                lastHeartbeatAnswered.withLock { $0 = ContinuousClock.now }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("namenode call failed", metadata: ["namenode": "\(address)", "error": "\(error)"])
                // A namenode that restarted, or lost us, knows us again after a registration.
                needs.withLock { $0.register = true }
                try? await Task.sleep(for: timing.retryDelay)
                continue
            }
            try? await Task.sleep(for: timing.heartbeatInterval)
            sinceReport += timing.heartbeatInterval
        }
    }

    // MARK: - Calls

    var registration: Rfs_Datanode_DatanodeRegistration {
        var registration = Rfs_Datanode_DatanodeRegistration()
        registration.id = context.identity.proto
        registration.storageInfo.clusterID = clusterID
        registration.storageInfo.layoutVersion = 1
        registration.softwareVersion = "rfs"
        registration.storages = context.catalog.storageIDs.map(Self.storageProto)
        return registration
    }

    static func storageProto(_ storageID: String) -> Hadoop_Hdfs_DatanodeStorageProto {
        var storage = Hadoop_Hdfs_DatanodeStorageProto()
        storage.storageUuid = storageID
        storage.state = .normal
        storage.storageType = .disk
        return storage
    }

    func register() async throws {
        var request = Rfs_Datanode_RegisterDatanodeRequest()
        request.registration = registration
        _ = try await rpc.call("registerDatanode", request, returning: Rfs_Datanode_RegisterDatanodeResponse.self, idempotent: true)
        logger.info("registered with namenode", metadata: ["namenode": "\(address)", "datanode": "\(context.identity.datanodeUUID)"])
    }

    func heartbeat() async throws {
        let (usage, failed) = context.catalog.volumeUsage()
        var request = Rfs_Datanode_HeartbeatRequest()
        request.registration = registration
        request.reports = usage.map { volume in
            var report = Hadoop_Hdfs_StorageReportProto()
            report.storageUuid = volume.storageID
            report.storage = Self.storageProto(volume.storageID)
            report.capacity = UInt64(max(0, volume.capacityBytes))
            report.dfsUsed = UInt64(max(0, volume.usedBytes))
            report.blockPoolUsed = UInt64(max(0, volume.usedBytes))
            report.remaining = UInt64(max(0, volume.availableBytes))
            report.nonDfsUsed = UInt64(max(0, volume.capacityBytes - volume.availableBytes - volume.usedBytes))
            return report
        }
        request.xceiverCount = UInt32(clamping: context.load.connections)
        request.transfersInProgress = UInt32(clamping: context.load.transfers)
        request.failedVolumes = UInt32(clamping: failed.count)
        request.failedVolumePaths = failed.map(\.path)
        if failed.count > reportedFailedVolumes.withLock({ $0 }) {
            // Tell the namenode why, once per newly failed volume (it also sees the count above).
            var report = Rfs_Datanode_ErrorReportRequest()
            report.registration = request.registration
            report.code = .diskError
            report.message = "failed volumes: " + failed.map { "\($0.path) (\($0.reason))" }.joined(separator: "; ")
            _ = try await rpc.call("errorReport", report, returning: Rfs_Datanode_ErrorReportResponse.self, idempotent: true)
            reportedFailedVolumes.withLock { $0 = failed.count }
        }
        let response = try await rpc.call("sendHeartbeat", request, returning: Rfs_Datanode_HeartbeatResponse.self, idempotent: true)
        guard response.haStatus.state == .active || response.haStatus.state == .unknown,
              fence.admits(term: response.haStatus.term) else { return }
        if response.haStatus.state == .active && !response.haStatus.memberAddresses.isEmpty {
            // The active's view of the group: namenodes added or removed since this one started.
            membersObserver.withLock { $0 }?(response.haStatus.memberAddresses.compactMap(HostPort.init(parsing:)))
        }
        for command in response.commands { execute(command) }
    }

    func sendFullReport() async throws {
        var request = Rfs_Datanode_BlockReportRequest()
        request.registration = registration
        request.blockPoolID = context.blockPoolID
        request.reportID = UInt64.random(in: 1...UInt64.max)
        request.currentRpc = 0
        request.totalRpcs = 1
        // Changes queued before this snapshot are in it; drop them so they are not resent.
        pending.withLock { $0 = [] }
        request.reports = context.catalog.report().map { volume in
            var report = Rfs_Datanode_StorageBlockReport()
            report.storage = Self.storageProto(volume.storageID)
            report.replicas = volume.replicas.map { info in
                var replica = Rfs_Datanode_Replica()
                replica.blockID = UInt64(bitPattern: info.blockID)
                replica.generationStamp = UInt64(bitPattern: info.generationStamp)
                replica.length = UInt64(max(0, info.lengthBytes))
                replica.state = info.state == .finalized ? .finalized : .rbw
                return replica
            }
            return report
        }
        let response = try await rpc.call("blockReport", request, returning: Rfs_Datanode_BlockReportResponse.self, idempotent: true)
        logger.info("full block report sent", metadata: ["namenode": "\(address)", "replicas": "\(request.reports.map(\.replicas.count).reduce(0, +))"])
        for command in response.commands { execute(command) }
    }

    /// Sends what changed since the last report (a no-op when nothing did).
    public func sendIncrementalReport() async throws {
        let changes = pending.withLock { pending -> [ReplicaChange] in
            defer { pending = [] }
            return pending
        }
        guard !changes.isEmpty else { return }
        var byStorage: [String: [Rfs_Datanode_ReceivedDeletedBlock]] = [:]
        for change in changes {
            var entry = Rfs_Datanode_ReceivedDeletedBlock()
            entry.block.blockID = UInt64(bitPattern: change.blockID)
            entry.block.genStamp = UInt64(bitPattern: change.generationStamp)
            entry.block.numBytes = UInt64(max(0, change.lengthBytes))
            entry.status = switch change.kind {
            case .receiving: .receiving
            case .received: .received
            case .deleted: .deleted
            }
            byStorage[change.storageID, default: []].append(entry)
        }
        var request = Rfs_Datanode_BlockReceivedAndDeletedRequest()
        request.registration = registration
        request.blockPoolID = context.blockPoolID
        request.storages = byStorage.sorted { $0.key < $1.key }.map { storageID, blocks in
            var storage = Rfs_Datanode_StorageReceivedDeletedBlocks()
            storage.storage = Self.storageProto(storageID)
            storage.blocks = blocks
            return storage
        }
        do {
            _ = try await rpc.call("blockReceivedAndDeleted", request, returning: Rfs_Datanode_BlockReceivedAndDeletedResponse.self, idempotent: true)
        } catch {
            pending.withLock { $0.insert(contentsOf: changes, at: 0) }
            throw error
        }
    }

    /// Tells the namenode about replicas found bad (by a reader, the scanner or at start).
    func reportBadReplicas(_ replicas: [(blockID: Int64, generationStamp: Int64, lengthBytes: Int64, storageID: String, reason: String)]) async throws {
        guard !replicas.isEmpty else { return }
        var request = Rfs_Datanode_ReportBadBlocksRequest()
        request.registration = registration
        request.replicas = replicas.map { replica in
            var bad = Rfs_Datanode_BadReplica()
            bad.block.poolID = context.blockPoolID
            bad.block.blockID = UInt64(bitPattern: replica.blockID)
            bad.block.generationStamp = UInt64(bitPattern: replica.generationStamp)
            bad.block.numBytes = UInt64(max(0, replica.lengthBytes))
            bad.storageUuid = replica.storageID
            bad.reason = replica.reason
            return bad
        }
        _ = try await rpc.call("reportBadBlocks", request, returning: Rfs_Datanode_ReportBadBlocksResponse.self, idempotent: true)
    }

    func reportCorruptFoundAtStart() async throws {
        let corrupt = context.catalog.takeCorruptAtStart()
        guard !corrupt.isEmpty else { return }
        let storageID = context.catalog.storageIDs.first ?? ""
        try await reportBadReplicas(corrupt.map { (blockID: $0.blockID, generationStamp: 0, lengthBytes: 0, storageID: storageID, reason: $0.reason) })
    }

    // MARK: - Commands

    func execute(_ command: Rfs_Datanode_DatanodeCommand) {
        switch command.command {
        case .transfer(let transfer):
            for entry in transfer.transfers {
                var block = Hadoop_Hdfs_ExtendedBlockProto()
                block.poolID = transfer.blockPoolID
                block.blockID = entry.block.blockID
                block.generationStamp = entry.block.genStamp
                block.numBytes = entry.block.numBytes
                let targets = entry.targets.map(\.datanode)
                let context = context
                Task {
                    do {
                        try await ReplicaTransfer.send(block: block, targets: targets, clientName: "", context: context)
                    } catch {
                        context.logger.warning("replication failed", metadata: ["block": "\(block.blockID)", "error": "\(error)"])
                    }
                }
            }
        case .invalidate(let invalidate):
            let blocks = invalidate.blocks.map { (id: Int64(bitPattern: $0.blockID), generationStamp: Int64(bitPattern: $0.genStamp)) }
            logger.info("deleting replicas", metadata: ["count": "\(blocks.count)"])
            context.catalog.invalidate(blocks)
        case .register:
            needs.withLock { $0 = (register: true, fullReport: true) }
        case .blockReport:
            needs.withLock { $0.fullReport = true }
        case .recover(let recover):
            // This datanode is the primary: each block is recovered on its own, and a failure
            // is only logged, since the namenode starts the recovery again after a timeout.
            for block in recover.blocks {
                let context = context
                let rpc = rpc
                Task {
                    do {
                        try await BlockRecovery.run(block, context: context, namenode: rpc)
                    } catch {
                        context.logger.warning("block recovery failed", metadata: ["block": "\(block.block.blockID)", "error": "\(error)"])
                    }
                }
            }
        case .finalize, .balancerBandwidth, .none:
            break
        }
    }
}

/// The highest Raft term in which a namenode told this datanode it was active. A deposed
/// leader that has not yet heard of its successor still says "active", with its older term:
/// its commands are ignored (HDFS fences the same way with the transaction id).
public final class ActiveNamenodeFence: Sendable {
    private let highestTerm = Mutex<UInt64>(0)

    public init() {}

    /// Whether an active namenode of `term` may command this datanode; raises the bar.
    public func admits(term: UInt64) -> Bool {
        highestTerm.withLock { highest in
            guard term >= highest else { return false }
            highest = term
            return true
        }
    }
}
