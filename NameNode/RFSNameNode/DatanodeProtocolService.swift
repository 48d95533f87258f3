import Foundation
import Logging
import RFSBlockManagement
import RFSModel
import RFSProtocol
import RFSRPC
import Synchronization

/// The namenode's side of DatanodeProtocol, and the one owner of its `BlockManager`.
///
/// A thin shell: it translates protos to the block manager's types and back, reads the clock
/// (injected, so tests drive time) and holds the pure `BlockManager` with its seeded generator
/// behind one `Mutex`. Every decision is the block manager's. The ClientProtocol side reaches
/// the same block manager through the methods below (placement, locations, the namespace's
/// block changes, reports), and the daemon calls `runMonitors()` every heartbeat interval.
///
/// Calls are short and never suspend while holding the lock.
public final class DatanodeProtocolService: Sendable {
    /// Who this namenode is, as datanodes must agree with it, and how its block manager runs.
    public struct Configuration: Sendable {
        public var clusterID: String
        public var blockPoolID: String
        /// Layout version of datanode storage this namenode expects.
        public var layoutVersion: UInt32 = 1
        public var softwareVersion: String
        /// Raft member id of this namenode (1 for a single namenode).
        public var namenodeID: UInt64 = 1
        /// When the namespace was formatted, ms since the epoch.
        public var creationTimeMillis: UInt64
        public var blockManager = BlockManagerConfiguration()
        /// Network location by host name or address (HDFS's TableMapping); unlisted datanodes
        /// are on `DatanodeIdentity.defaultRack`.
        public var racksByHost: [String: String] = [:]
        /// Seed of the generator behind placement and replication choices.
        public var seed: UInt64 = 0x5EED

        public init(clusterID: String, blockPoolID: String, softwareVersion: String = "rfs", creationTimeMillis: UInt64 = 0) {
            self.clusterID = clusterID
            self.blockPoolID = blockPoolID
            self.softwareVersion = softwareVersion
            self.creationTimeMillis = creationTimeMillis
        }
    }

    /// What one pass of the monitors did.
    public struct MonitorPass: Sendable, Equatable {
        /// Datanodes declared dead in this pass.
        public var newlyDead: [DatanodeUUID]
        /// Transfers and deletions queued.
        public var scheduledWork: Int
    }

    /// A full block report split over several RPCs, gathered until its last part.
    struct PartialReport: Sendable {
        var reportID: UInt64
        var partsSeen: Set<UInt32>
        var replicas: [ReplicaReport]
    }

    struct State: Sendable {
        var manager: BlockManager
        var rng: SplitMix64
        var partialReports: [DatanodeUUID: PartialReport] = [:]
        /// Which datanode owns each storage (volume) uuid: bad-replica reports name storages.
        var storageOwners: [String: DatanodeUUID] = [:]
        var nextBlockReportLeaseID: UInt64 = 1
    }

    public let configuration: Configuration
    private let state: Mutex<State>
    private let haStatusSource = Mutex<(@Sendable () -> Rfs_Datanode_NamenodeHAStatus)?>(nil)
    private let clock: @Sendable () -> Int64
    private let logger: Logger

    /// - Parameter clock: milliseconds since the epoch (or any monotonic origin; only
    ///   differences matter to the block manager).
    public init(configuration: Configuration, clock: @escaping @Sendable () -> Int64, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.state = Mutex(State(manager: BlockManager(configuration: configuration.blockManager),
                                 rng: SplitMix64(seed: configuration.seed)))
    }

    /// The shape `NameNodeDaemon` asks for: the namespace's identity as read from its store
    /// (the namespace id is not part of DatanodeProtocol's handshake), the wall clock.
    public convenience init(configuration blockManager: BlockManagerConfiguration,
                            namespaceInfo: (namespaceID: UInt64, clusterID: String, blockPoolID: String),
                            clock: @escaping @Sendable () -> Int64 = DatanodeProtocolService.wallClockMillis,
                            logger: Logger) {
        var configuration = Configuration(clusterID: namespaceInfo.clusterID, blockPoolID: namespaceInfo.blockPoolID)
        configuration.blockManager = blockManager
        self.init(configuration: configuration, clock: clock, logger: logger)
    }

    /// Milliseconds since the epoch: what `lastUpdate` in a datanode report means to users.
    @Sendable public static func wallClockMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: - Registration with the RPC server

    /// Registers DatanodeProtocol's methods, but commitBlockSynchronization: it changes the
    /// namespace, so the ClientProtocol side registers it (`registerBlockRecovery`).
    public func register(into registry: inout RPCServiceRegistry) {
        let name = ProtocolNames.datanodeProtocol
        registry.register(protocol: name, method: "versionRequest") { [self] (_: Rfs_Datanode_VersionRequest, _: RPCCallContext) in
            versionResponse()
        }
        registry.register(protocol: name, method: "registerDatanode") { [self] (request: Rfs_Datanode_RegisterDatanodeRequest, context: RPCCallContext) in
            try registerDatanode(request, remoteAddress: context.remoteAddress)
        }
        registry.register(protocol: name, method: "sendHeartbeat") { [self] (request: Rfs_Datanode_HeartbeatRequest, _: RPCCallContext) in
            try sendHeartbeat(request)
        }
        registry.register(protocol: name, method: "blockReport") { [self] (request: Rfs_Datanode_BlockReportRequest, _: RPCCallContext) in
            try blockReport(request)
        }
        registry.register(protocol: name, method: "blockReceivedAndDeleted") { [self] (request: Rfs_Datanode_BlockReceivedAndDeletedRequest, _: RPCCallContext) in
            try blockReceivedAndDeleted(request)
        }
        registry.register(protocol: name, method: "reportBadBlocks") { [self] (request: Rfs_Datanode_ReportBadBlocksRequest, _: RPCCallContext) in
            try reportBadBlocks(request)
        }
        registry.register(protocol: name, method: "errorReport") { [self] (request: Rfs_Datanode_ErrorReportRequest, _: RPCCallContext) in
            try errorReport(request)
        }
    }

    // MARK: - DatanodeProtocol

    func versionResponse() -> Rfs_Datanode_VersionResponse {
        var info = Rfs_Datanode_NamespaceInfo()
        info.clusterID = configuration.clusterID
        info.blockPoolID = configuration.blockPoolID
        info.layoutVersion = configuration.layoutVersion
        info.softwareVersion = configuration.softwareVersion
        info.namenodeID = configuration.namenodeID
        info.creationTime = configuration.creationTimeMillis
        var response = Rfs_Datanode_VersionResponse()
        response.info = info
        return response
    }

    func registerDatanode(_ request: Rfs_Datanode_RegisterDatanodeRequest, remoteAddress: String) throws -> Rfs_Datanode_RegisterDatanodeResponse {
        let registration = request.registration
        try checkCluster(of: registration)
        let identity = try identity(of: registration, remoteAddress: remoteAddress)
        let now = clock()
        let result = state.withLock { state in
            for storage in registration.storages { state.storageOwners[storage.storageUuid] = identity.uuid }
            state.partialReports[identity.uuid] = nil
            return state.manager.register(identity, nowMillis: now)
        }
        switch result {
        case .rejected(let rejection):
            throw HadoopRemoteError(.illegalArgument, "registration of datanode \(identity) refused: \(rejection)")
        case .registered(let recorded, let adminState, let replaced):
            logger.info("datanode registered", metadata: [
                "datanode": "\(recorded)", "adminState": "\(adminState)", "replaced": "\(replaced.map(\.rawValue) ?? "-")",
            ])
            var response = Rfs_Datanode_RegisterDatanodeResponse()
            response.registration = registration
            response.registration.id = Self.datanodeIDProto(recorded)
            return response
        }
    }

    func sendHeartbeat(_ request: Rfs_Datanode_HeartbeatRequest) throws -> Rfs_Datanode_HeartbeatResponse {
        let uuid = try Self.uuid(of: request.registration)
        let stats = Self.stats(of: request)
        let now = clock()
        let (commands, leaseID) = state.withLock { state in
            for report in request.reports {
                state.storageOwners[report.hasStorage ? report.storage.storageUuid : report.storageUuid] = uuid
            }
            let commands = state.manager.heartbeat(uuid, stats: stats, nowMillis: now)
            var leaseID: UInt64 = 0
            if request.requestBlockReportLease {
                leaseID = state.nextBlockReportLeaseID
                state.nextBlockReportLeaseID += 1
            }
            return (commands, leaseID)
        }
        var response = Rfs_Datanode_HeartbeatResponse()
        response.commands = commandProtos(commands)
        response.haStatus = haStatus()
        response.blockReportLeaseID = leaseID
        return response
    }

    func blockReport(_ request: Rfs_Datanode_BlockReportRequest) throws -> Rfs_Datanode_BlockReportResponse {
        let uuid = try Self.uuid(of: request.registration)
        let replicas = request.reports.flatMap(\.replicas).compactMap(Self.replicaReport)
        let result = state.withLock { state -> BlockReportResult? in
            guard let complete = Self.gather(request, replicas: replicas, from: uuid, into: &state) else { return nil }
            return state.manager.processFullBlockReport(uuid, replicas: complete)
        }
        var response = Rfs_Datanode_BlockReportResponse()
        response.haStatus = haStatus()
        if let result {
            if result.needsRegistration { response.commands = commandProtos([.reregister]) }
            logger.debug("full block report", metadata: [
                "datanode": "\(uuid)", "added": "\(result.added)", "removed": "\(result.removed)",
                "invalidated": "\(result.invalidated)", "corrupt": "\(result.markedCorrupt)",
            ])
        }
        return response
    }

    /// Adds one RPC of a block report to what was gathered; returns every replica once the
    /// last part has arrived, nil before. A part of a new report discards an unfinished older one.
    static func gather(_ request: Rfs_Datanode_BlockReportRequest, replicas: [ReplicaReport], from uuid: DatanodeUUID,
                       into state: inout State) -> [ReplicaReport]? {
        guard request.totalRpcs > 1 else { return replicas }
        var partial = state.partialReports[uuid] ?? PartialReport(reportID: request.reportID, partsSeen: [], replicas: [])
        if partial.reportID != request.reportID {
            partial = PartialReport(reportID: request.reportID, partsSeen: [], replicas: [])
        }
        if partial.partsSeen.insert(request.currentRpc).inserted { partial.replicas += replicas }
        guard partial.partsSeen.count >= Int(request.totalRpcs) else {
            state.partialReports[uuid] = partial
            return nil
        }
        state.partialReports[uuid] = nil
        return partial.replicas
    }

    func blockReceivedAndDeleted(_ request: Rfs_Datanode_BlockReceivedAndDeletedRequest) throws -> Rfs_Datanode_BlockReceivedAndDeletedResponse {
        let uuid = try Self.uuid(of: request.registration)
        var received: [ReplicaReport] = []
        var deleted: [BlockID] = []
        for entry in request.storages.flatMap(\.blocks) {
            let block = Self.block(entry.block)
            switch entry.status {
            case .receiving: received.append(ReplicaReport(block: block, state: .rbw))
            case .received: received.append(ReplicaReport(block: block, state: .finalized))
            case .deleted: deleted.append(block.id)
            case .unknown, .UNRECOGNIZED: continue
            }
        }
        let result = state.withLock { $0.manager.processIncrementalReport(uuid, received: received, deleted: deleted) }
        if result.needsRegistration {
            throw HadoopRemoteError(.ioException, "datanode \(uuid) is not registered with namenode \(configuration.namenodeID); register again and send a full block report")
        }
        return Rfs_Datanode_BlockReceivedAndDeletedResponse()
    }

    func reportBadBlocks(_ request: Rfs_Datanode_ReportBadBlocksRequest) throws -> Rfs_Datanode_ReportBadBlocksResponse {
        let reporter = try Self.uuid(of: request.registration)
        for bad in request.replicas {
            let id = BlockID(bad.block.blockID)
            let holder = state.withLock { state -> DatanodeUUID in
                let holder = state.storageOwners[bad.storageUuid] ?? reporter
                state.manager.reportBadReplica(id, on: holder)
                return holder
            }
            logger.warning("bad replica reported", metadata: [
                "block": "\(id)", "datanode": "\(holder)", "reporter": "\(reporter)", "reason": "\(bad.reason)",
            ])
        }
        return Rfs_Datanode_ReportBadBlocksResponse()
    }

    func errorReport(_ request: Rfs_Datanode_ErrorReportRequest) throws -> Rfs_Datanode_ErrorReportResponse {
        let uuid = try Self.uuid(of: request.registration)
        let metadata: Logger.Metadata = ["datanode": "\(uuid)", "code": "\(request.code)", "message": "\(request.message)"]
        switch request.code {
        case .fatalDiskError:
            // No usable volume is left and the datanode is shutting down: forget it now rather
            // than after the heartbeat expiry, so its blocks are copied at once.
            logger.error("datanode reports a fatal disk error; removing it", metadata: metadata)
            state.withLock { $0.manager.removeDatanode(uuid) }
        case .diskError, .invalidBlock:
            logger.warning("datanode reports an error", metadata: metadata)
        case .notify, .UNRECOGNIZED:
            logger.info("datanode notice", metadata: metadata)
        }
        return Rfs_Datanode_ErrorReportResponse()
    }

    // MARK: - For the ClientProtocol side and the daemon

    /// Targets for a new block (see `BlockManager.chooseTargets`).
    public func chooseTargets(count: Int, writerHost: String?, excluded: Set<DatanodeUUID> = [],
                              blockSizeBytes: Int64) -> [DatanodeIdentity] {
        state.withLock { state in
            state.manager.chooseTargets(count: count, writerHost: writerHost, excluded: excluded,
                                        blockSizeBytes: blockSizeBytes, rng: &state.rng)
        }
    }

    public func locations(of id: BlockID, readerHost: String? = nil) -> BlockLocations? {
        state.withLock { $0.manager.locations(of: id, readerHost: readerHost) }
    }

    public func addBlock(_ block: Block, expectedReplication: Int, fileID: UInt64, isCommitted: Bool = false) {
        state.withLock { $0.manager.addBlock(block, expectedReplication: expectedReplication, fileID: fileID, isCommitted: isCommitted) }
    }

    /// `addBlock` in the namespace's raw numbers (NamespaceEffect's, the store's).
    public func addBlock(id: UInt64, generationStamp: UInt64, numBytes: UInt64 = 0, expectedReplication: Int,
                         fileID: UInt64, isCommitted: Bool = false) {
        let block = Block(id: BlockID(id), generationStamp: generationStamp, numBytes: Self.clamped(numBytes))
        addBlock(block, expectedReplication: expectedReplication, fileID: fileID, isCommitted: isCommitted)
    }

    @discardableResult
    public func commitBlock(_ id: BlockID, numBytes: Int64, generationStamp: UInt64) -> Bool {
        state.withLock { $0.manager.commitBlock(id, numBytes: numBytes, generationStamp: generationStamp) }
    }

    public func removeBlocks(_ ids: [BlockID]) {
        state.withLock { $0.manager.removeBlocks(ids) }
    }

    @discardableResult
    public func setExpectedReplication(_ id: BlockID, _ expectedReplication: Int) -> Bool {
        state.withLock { $0.manager.setExpectedReplication(id, expectedReplication) }
    }

    /// Append reopened a committed block (see `BlockManager.reopenBlock`).
    @discardableResult
    public func reopenBlock(_ id: BlockID) -> Bool {
        state.withLock { $0.manager.reopenBlock(id) }
    }

    @discardableResult
    public func updateGenerationStamp(_ id: BlockID, to generationStamp: UInt64, numBytes: Int64? = nil) -> Bool {
        state.withLock { $0.manager.updateGenerationStamp(id, to: generationStamp, numBytes: numBytes) }
    }

    public func datanodeReport(kind: DatanodeReportKind) -> [DatanodeStatus] {
        state.withLock { $0.manager.datanodeReport(kind: kind) }
    }

    public func clusterStats() -> ClusterStats {
        state.withLock { $0.manager.clusterStats }
    }

    public func safeBlockFraction() -> Double {
        state.withLock { $0.manager.safeBlockFraction }
    }

    @discardableResult
    public func refreshNodes(excludedHosts: Set<String>) -> [DatanodeUUID] {
        let changed = state.withLock { $0.manager.refreshNodes(excludedHosts: excludedHosts) }
        if !changed.isEmpty { logger.info("admin state changed", metadata: ["datanodes": "\(changed.map(\.rawValue))"]) }
        return changed
    }

    /// One pass of the heartbeat check and the replication monitor; the daemon calls it every
    /// heartbeat interval.
    @discardableResult
    public func runMonitors() -> MonitorPass {
        let now = clock()
        let pass = state.withLock { state in
            let dead = state.manager.checkHeartbeats(nowMillis: now)
            let work = state.manager.isStandby ? 0 : state.manager.computeReplicationWork(nowMillis: now, rng: &state.rng)
            return MonitorPass(newlyDead: dead, scheduledWork: work)
        }
        for uuid in pass.newlyDead { logger.warning("datanode declared dead", metadata: ["datanode": "\(uuid)"]) }
        return pass
    }

    /// A standby hands out no commands and postpones replicas of blocks it does not know yet
    /// (see `BlockManager.setStandby`); its heartbeat answers say it is a standby.
    public func setStandby(_ standby: Bool) {
        state.withLock { $0.manager.setStandby(standby) }
    }

    /// Sets what heartbeat answers report (with HA: the Raft member's state).
    public func setHAStatusSource(_ source: @escaping @Sendable () -> Rfs_Datanode_NamenodeHAStatus) {
        haStatusSource.withLock { $0 = source }
    }

    /// Runs `body` on the block manager under the lock, for what the methods above do not
    /// cover (several changes that must be seen together). Keep it short: heartbeats wait.
    public func withBlockManager<Result: Sendable>(_ body: (inout BlockManager) throws -> Result) rethrows -> Result {
        try state.withLock { state in try body(&state.manager) }
    }

    // MARK: - The same, in ClientProtocol's protos (what `BlockLocator` asks for)

    /// Targets for a new block as clients receive them. `excluded` holds datanode uuids
    /// (addBlock's excludeNodes, getAdditionalDatanode's existings and excludes).
    public func chooseTargets(count: Int, writerHost: String?, excluded: Set<String>,
                              blockSizeBytes: UInt64) -> [Hadoop_Hdfs_DatanodeInfoProto] {
        state.withLock { state in
            state.manager.chooseTargets(count: count, writerHost: writerHost, excluded: Set(excluded.map(DatanodeUUID.init)),
                                        blockSizeBytes: Self.clamped(blockSizeBytes), rng: &state.rng)
                .map { Self.datanodeInfoProto($0, status: state.manager.status(of: $0.uuid)) }
        }
    }

    /// Where to read a block, with each datanode's usage; `corrupt` when only corrupt
    /// replicas are left. No nodes for an unknown block.
    public func startRecovery(of blockID: UInt64, recoveryID: UInt64, newLength: UInt64?) -> Bool {
        state.withLock { state in
            state.manager.startRecovery(of: BlockID(blockID), newGenerationStamp: recoveryID,
                                        newLength: newLength.map(Self.clamped)) != nil
        }
    }

    public func setExpectedLocations(of blockID: UInt64, datanodeUUIDs: [String]) {
        state.withLock { $0.manager.setExpectedLocations(BlockID(blockID), datanodeUUIDs.map(DatanodeUUID.init)) }
    }

    public func locations(of blockID: UInt64) -> (nodes: [Hadoop_Hdfs_DatanodeInfoProto], corrupt: Bool) {
        state.withLock { state in
            guard let located = state.manager.locations(of: BlockID(blockID)) else { return ([], false) }
            let nodes = located.datanodes.map { Self.datanodeInfoProto($0, status: state.manager.status(of: $0.uuid)) }
            return (nodes, located.isCorrupt)
        }
    }

    /// Whether `minimumReplication` datanodes reported the block finalized with exactly this
    /// stamp and length: the last block of a file being closed.
    public func isMinimallyReplicated(_ blockID: UInt64, generationStamp: UInt64, numBytes: UInt64) -> Bool {
        let block = Block(id: BlockID(blockID), generationStamp: generationStamp, numBytes: Self.clamped(numBytes))
        return state.withLock { state in
            state.manager.finalizedReplicaCount(matching: block) >= state.manager.configuration.minimumReplication
        }
    }

    /// getFsStats.
    public func fsStats() -> Hadoop_Hdfs_GetFsStatsResponseProto {
        let stats = clusterStats()
        var proto = Hadoop_Hdfs_GetFsStatsResponseProto()
        proto.capacity = UInt64(max(0, stats.capacityBytes))
        proto.used = UInt64(max(0, stats.dfsUsedBytes))
        proto.remaining = UInt64(max(0, stats.remainingBytes))
        proto.underReplicated = UInt64(stats.underReplicatedBlocks)
        proto.corruptBlocks = UInt64(stats.corruptBlocks)
        proto.missingBlocks = UInt64(stats.missingBlocks)
        proto.missingReplOneBlocks = UInt64(stats.missingReplicationOneBlocks)
        proto.blocksInFuture = 0
        proto.pendingDeletionBlocks = UInt64(stats.pendingDeletionReplicas)
        return proto
    }

    /// getDatanodeReport. Maintenance states are not supported: those lists are empty.
    public func datanodeReport(_ type: Hadoop_Hdfs_DatanodeReportTypeProto) -> [Hadoop_Hdfs_DatanodeInfoProto] {
        let kind: DatanodeReportKind
        switch type {
        case .all: kind = .all
        case .live: kind = .live
        case .dead: kind = .dead
        case .decommissioning: kind = .decommissioning
        case .enteringMaintenance, .inMaintenance: return []
        }
        return datanodeReport(kind: kind).map { Self.datanodeInfoProto($0.identity, status: $0) }
    }

    public var liveDatanodeCount: Int {
        state.withLock { $0.manager.liveDatanodes.count }
    }

    // MARK: - Protos to core types

    func checkCluster(of registration: Rfs_Datanode_DatanodeRegistration) throws {
        let theirs = registration.storageInfo.clusterID
        guard registration.hasStorageInfo, !theirs.isEmpty, theirs != configuration.clusterID else { return }
        throw HadoopRemoteError(.ioException, "Incompatible clusterIDs: namenode clusterID = \(configuration.clusterID); datanode clusterID = \(theirs). Format the datanode's storage or point it at its own cluster.")
    }

    static func uuid(of registration: Rfs_Datanode_DatanodeRegistration) throws -> DatanodeUUID {
        guard registration.hasID, !registration.id.datanodeUuid.isEmpty else {
            throw HadoopRemoteError(.illegalArgument, "the request carries no datanode registration (datanodeUuid is missing)")
        }
        return DatanodeUUID(registration.id.datanodeUuid)
    }

    /// The datanode as it registers. An unusable address (empty, or a wildcard bind) is
    /// replaced by the one its connection comes from; the rack comes from `racksByHost`.
    func identity(of registration: Rfs_Datanode_DatanodeRegistration, remoteAddress: String) throws -> DatanodeIdentity {
        let uuid = try Self.uuid(of: registration)
        let id = registration.id
        var address = id.ipAddr
        if address.isEmpty || address == "0.0.0.0" || address == "::", let peer = Self.host(ofRemoteAddress: remoteAddress) {
            address = peer
        }
        let hostName = id.hostName.isEmpty ? address : id.hostName
        let rack = configuration.racksByHost[hostName] ?? configuration.racksByHost[address] ?? DatanodeIdentity.defaultRack
        return DatanodeIdentity(uuid: uuid, ipAddress: address, hostName: hostName, xferPort: Int(id.xferPort),
                                infoPort: Int(id.infoPort), ipcPort: Int(id.ipcPort), rack: rack)
    }

    /// The host of a SwiftNIO socket address description ("[IPv4]10.0.0.5/10.0.0.5:50010").
    static func host(ofRemoteAddress description: String) -> String? {
        let afterSlash = description.split(separator: "/").last.map(String.init) ?? description
        guard let colon = afterSlash.lastIndex(of: ":") else { return nil }
        let host = String(afterSlash[..<colon])
        return host.isEmpty ? nil : host
    }

    static func stats(of request: Rfs_Datanode_HeartbeatRequest) -> DatanodeStats {
        var stats = DatanodeStats(xceiverCount: Int(request.xceiverCount), transfersInProgress: Int(request.transfersInProgress),
                                  failedVolumes: Int(request.failedVolumes))
        for report in request.reports where !report.failed {
            stats.capacityBytes += clamped(report.capacity)
            stats.dfsUsedBytes += clamped(report.dfsUsed)
            stats.remainingBytes += clamped(report.remaining)
            stats.nonDfsUsedBytes += clamped(report.nonDfsUsed)
        }
        return stats
    }

    /// Byte counts travel as uint64; no disk holds 2⁶³ bytes, so anything larger is a lie
    /// we cap rather than trap on.
    static func clamped(_ value: UInt64) -> Int64 { Int64(clamping: value) }

    static func block(_ proto: Hadoop_Hdfs_BlockProto) -> Block {
        Block(id: BlockID(proto.blockID), generationStamp: proto.genStamp, numBytes: clamped(proto.numBytes))
    }

    /// A reported replica; nil for TEMPORARY ones (a transfer still arriving, invisible to
    /// readers: HDFS leaves them out of the block map too). RWR and RUR are not final: rbw.
    static func replicaReport(_ replica: Rfs_Datanode_Replica) -> ReplicaReport? {
        let block = Block(id: BlockID(replica.blockID), generationStamp: replica.generationStamp, numBytes: clamped(replica.length))
        switch replica.state {
        case .finalized: return ReplicaReport(block: block, state: .finalized)
        case .rbw, .rwr, .rur: return ReplicaReport(block: block, state: .rbw)
        case .temporary, .UNRECOGNIZED: return nil
        }
    }

    // MARK: - Core types to protos

    func haStatus() -> Rfs_Datanode_NamenodeHAStatus {
        if let source = haStatusSource.withLock({ $0 }) { return source() }
        // A single namenode is the active one.
        var status = Rfs_Datanode_NamenodeHAStatus()
        status.state = .active
        status.namenodeID = configuration.namenodeID
        status.leaderID = configuration.namenodeID
        return status
    }

    /// The block manager's commands as DatanodeCommands: a register command alone when the
    /// datanode must register (anything else would be acted on by a stranger), otherwise one
    /// command per kind, in the order recover, transfer, invalidate, finalize.
    func commandProtos(_ commands: [BlockCommand]) -> [Rfs_Datanode_DatanodeCommand] {
        if commands.contains(.reregister) {
            var command = Rfs_Datanode_DatanodeCommand()
            command.register = Rfs_Datanode_RegisterCommand()
            return [command]
        }
        var recover = Rfs_Datanode_RecoverBlocksCommand()
        var transfer = Rfs_Datanode_TransferCommand()
        transfer.blockPoolID = configuration.blockPoolID
        var invalidate = Rfs_Datanode_InvalidateCommand()
        invalidate.blockPoolID = configuration.blockPoolID
        var finalize = false
        for command in commands {
            switch command {
            case .transfer(let block, let targets):
                var entry = Rfs_Datanode_BlockTransfer()
                entry.block = Self.blockProto(block)
                entry.targets = targets.map { target in
                    var proto = Rfs_Datanode_BlockTarget()
                    proto.datanode = Self.datanodeInfoProto(target)
                    return proto
                }
                transfer.transfers.append(entry)
            case .invalidate(let blocks):
                invalidate.blocks += blocks.map(Self.blockProto)
            case .recover(let block, let newGenerationStamp, let newLength, let replicas):
                var entry = Rfs_Datanode_RecoveringBlock()
                entry.block = extendedBlockProto(block)
                entry.locations = replicas.map { Self.datanodeInfoProto($0) }
                entry.newGenerationStamp = newGenerationStamp
                if let newLength { entry.newLength = UInt64(newLength) }
                recover.blocks.append(entry)
            case .finalize:
                finalize = true
            case .reregister:
                break
            }
        }
        var protos: [Rfs_Datanode_DatanodeCommand] = []
        func append(_ body: (inout Rfs_Datanode_DatanodeCommand) -> Void) {
            var command = Rfs_Datanode_DatanodeCommand()
            body(&command)
            protos.append(command)
        }
        if !recover.blocks.isEmpty { append { $0.recover = recover } }
        if !transfer.transfers.isEmpty { append { $0.transfer = transfer } }
        if !invalidate.blocks.isEmpty { append { $0.invalidate = invalidate } }
        if finalize {
            var command = Rfs_Datanode_FinalizeCommand()
            command.blockPoolID = configuration.blockPoolID
            append { $0.finalize = command }
        }
        return protos
    }

    public static func blockProto(_ block: Block) -> Hadoop_Hdfs_BlockProto {
        var proto = Hadoop_Hdfs_BlockProto()
        proto.blockID = block.id.rawValue
        proto.genStamp = block.generationStamp
        proto.numBytes = UInt64(max(0, block.numBytes))
        return proto
    }

    /// The block as clients and datanodes name it, with this namenode's block pool.
    public func extendedBlockProto(_ block: Block) -> Hadoop_Hdfs_ExtendedBlockProto {
        var proto = Hadoop_Hdfs_ExtendedBlockProto()
        proto.poolID = configuration.blockPoolID
        proto.blockID = block.id.rawValue
        proto.generationStamp = block.generationStamp
        proto.numBytes = UInt64(max(0, block.numBytes))
        return proto
    }

    public static func datanodeIDProto(_ identity: DatanodeIdentity) -> Hadoop_Hdfs_DatanodeIDProto {
        var proto = Hadoop_Hdfs_DatanodeIDProto()
        proto.ipAddr = identity.ipAddress
        proto.hostName = identity.hostName
        proto.datanodeUuid = identity.uuid.rawValue
        proto.xferPort = UInt32(clamping: identity.xferPort)
        proto.infoPort = UInt32(clamping: identity.infoPort)
        proto.ipcPort = UInt32(clamping: identity.ipcPort)
        return proto
    }

    /// A datanode as clients see it (LocatedBlockProto.locs, getDatanodeReport); with its
    /// usage and admin state when `status` is given.
    public static func datanodeInfoProto(_ identity: DatanodeIdentity, status: DatanodeStatus? = nil) -> Hadoop_Hdfs_DatanodeInfoProto {
        var proto = Hadoop_Hdfs_DatanodeInfoProto()
        proto.id = datanodeIDProto(identity)
        proto.location = identity.rack
        guard let status else { return proto }
        proto.capacity = UInt64(max(0, status.stats.capacityBytes))
        proto.dfsUsed = UInt64(max(0, status.stats.dfsUsedBytes))
        proto.blockPoolUsed = UInt64(max(0, status.stats.dfsUsedBytes))
        proto.remaining = UInt64(max(0, status.stats.remainingBytes))
        proto.nonDfsUsed = UInt64(max(0, status.stats.nonDfsUsedBytes))
        proto.xceiverCount = UInt32(clamping: status.stats.xceiverCount)
        proto.lastUpdate = UInt64(max(0, status.lastHeartbeatMillis))
        proto.numBlocks = UInt32(clamping: status.blockCount)
        proto.adminState = switch status.adminState {
        case .normal: .normal
        case .decommissionInProgress: .decommissionInprogress
        case .decommissioned: .decommissioned
        }
        return proto
    }
}
