import Foundation
import Logging
import NIOCore
import NIOPosix
import RFSConfig
import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRaft
import RFSRPC

/// A running namenode: the namespace engine (edit log + LevelDB), block management, and the
/// RPC server that serves ClientProtocol, DatanodeProtocol, HAServiceProtocol and (with HA)
/// RaftProtocol on one port.
///
/// With an HA nameservice configured, the namenodes form one Raft group: the leader is the
/// active namenode, the others are standbys that answer clients with StandbyException, apply
/// every edit and hear every datanode, so that one of them takes over within an election.
public final class NameNodeDaemon: Sendable {
    public let rpcServer: RPCServer
    public let engine: NamespaceEngine
    public let datanodes: DatanodeProtocolService
    public let ha: HAState
    let clientProtocol: ClientProtocolService
    /// The monitor, the resource check and the purge of deleted subtrees.
    private let background: [Task<Void, Never>]
    private let logger: Logger

    private init(rpcServer: RPCServer, engine: NamespaceEngine, datanodes: DatanodeProtocolService, ha: HAState,
                 clientProtocol: ClientProtocolService, background: [Task<Void, Never>], logger: Logger) {
        self.rpcServer = rpcServer
        self.engine = engine
        self.datanodes = datanodes
        self.ha = ha
        self.clientProtocol = clientProtocol
        self.background = background
        self.logger = logger
    }

    /// How many event-loop threads the namenode's RPC server gets: `configured` when set, else
    /// half of `cores`, at least one. Besides its loops the namenode keeps the WAL writer, the
    /// apply thread and LevelDB's compaction busy, so loops on every core would contend with
    /// them; and on a small machine fewer loops each wake for more ready connections at once.
    /// On this project's two-core machine one loop instead of two cut the namenode's CPU per
    /// create from 50-59 to 41-48 µs and raised getFileInfo from 20-29k to 38-43k calls/s.
    public static func rpcEventLoopCount(configured: Int, cores: Int = System.coreCount) -> Int {
        configured > 0 ? configured : max(1, cores / 2)
    }

    /// Opens (formatting on first start) `dfs.namenode.name.dir` and serves on
    /// `dfs.namenode.rpc-address` (with HA: `dfs.namenode.rpc-address.<ns>.<dfs.ha.namenode.id>`,
    /// see `HAMembership.resolvingAddresses`). The user who starts the namenode is its superuser.
    public static func start(configuration: Configuration, superuser: String, group: EventLoopGroup, logger: Logger) async throws -> NameNodeDaemon {
        let membership = try HAMembership.resolve(configuration)
        let configuration = try HAMembership.resolvingAddresses(configuration, membership: membership)
        let address = try configuration.get(Keys.namenodeRPCAddress)
        var serverConfiguration = RPCServerConfiguration()
        serverConfiguration.maxFrameBytes = try configuration.get(Keys.rpcFrameBytesMax)
        let proxyUsers = ProxyUsers(configuration: configuration)
        let proxyGroups = UnixGroups()
        serverConfiguration.authorizeProxy = { realUser, effectiveUser, address in
            proxyUsers.refusal(realUser: realUser, effectiveUser: effectiveUser, address: address, groups: proxyGroups.groups(for:))
        }

        var namespaceConfiguration = NamespaceConfiguration()
        namespaceConfiguration.superGroup = try configuration.get(Keys.superGroup)
        namespaceConfiguration.permissionsEnabled = try configuration.get(Keys.permissionsEnabled)
        namespaceConfiguration.minBlockSizeBytes = UInt64(try configuration.get(Keys.minBlockSize))
        namespaceConfiguration.maxReplication = UInt32(try configuration.get(Keys.replicationMax))
        namespaceConfiguration.maxXAttrsPerInode = try configuration.get(Keys.maxXAttrsPerInode)
        namespaceConfiguration.maxXAttrSize = try configuration.get(Keys.maxXAttrSize)

        let namespaceID = UInt64.random(in: 1...UInt64(Int32.max))
        let format = Rfs_Namenode_Format(
            namespaceID: namespaceID, clusterID: "CID-" + UUID().uuidString.lowercased(),
            blockPoolID: "BP-\(namespaceID)-\(address.host)-\(Int64(Date().timeIntervalSince1970 * 1000))",
            superuser: superuser, supergroup: namespaceConfiguration.superGroup)

        let directory = try configuration.get(Keys.namenodeNameDir)
        let engine: NamespaceEngine
        if let membership {
            var raft = RaftConfiguration(id: membership.selfRaftID, seed: UInt64.random(in: 1...UInt64.max))
            raft.electionTicks = try configuration.get(Keys.raftElectionTicks)
            raft.maxInflightMessages = try configuration.get(Keys.raftMaxInflightAppends)
            // An append, and a peer's batch of two, stay well under the RPC frame limit.
            raft.maxBytesPerMessage = min(raft.maxBytesPerMessage, try configuration.get(Keys.rpcFrameBytesMax) / 4)
            let peers = membership.peers
            var formatEdit = Rfs_Namenode_Edit()
            formatEdit.caller.user = superuser
            formatEdit.operation = .format(membership.format(superuser: superuser, supergroup: namespaceConfiguration.superGroup))
            engine = try await NamespaceEngine.openReplicated(directory: directory, configuration: namespaceConfiguration,
                                                              format: formatEdit, raft: raft, peers: peers, group: group, logger: logger)
        } else {
            engine = try await NamespaceEngine.open(directory: directory, configuration: namespaceConfiguration,
                                                    format: format, logger: logger)
        }
        let counters = try engine.reads.counters()!
        let datanodes = DatanodeProtocolService(
            configuration: try blockManagerConfiguration(configuration),
            namespaceInfo: (namespaceID: counters.namespaceID, clusterID: counters.clusterID, blockPoolID: counters.blockPoolID),
            logger: logger)
        try datanodes.loadBlocks(from: engine)
        let safeMode = SafeMode(thresholdFraction: try configuration.get(Keys.safeModeThreshold))
        safeMode.update(safeBlockFraction: datanodes.safeBlockFraction())
        let heartbeat = try configuration.get(Keys.heartbeatInterval)
        // A block recovery gets ten heartbeats (its command rides one) before it is started
        // again elsewhere; HDFS's primary likewise answers within a few heartbeats.
        let leases = LeaseManager(hardLimitMillis: try configuration.get(Keys.leaseHardLimit).wholeMilliseconds,
                                  recoveryTimeoutMillis: max(10_000, 10 * heartbeat.wholeMilliseconds))
        let clientProtocol = ClientProtocolService(
            engine: engine, datanodes: datanodes, leases: leases,
            serverDefaults: try ServerDefaults(configuration: configuration),
            listingLimit: try configuration.get(Keys.listingLimit), safeMode: safeMode,
            excludeFile: try configuration.get(Keys.hostsExclude), deleteIncrement: try configuration.get(Keys.deleteIncrement),
            logger: logger)
        try clientProtocol.restoreLeases()
        try clientProtocol.refreshNodes()
        // From here on every applied edit (this member's or, with HA, the leader's) keeps the
        // leases and the block map in step, on the apply thread.
        engine.onApplied { applied in
            for edit in applied { clientProtocol.follow(edit) }
        }
        // A snapshot from the leader replaced the namespace (this member was behind the
        // compacted log): rebuild the leases and the block map from it, as at a start.
        engine.onSnapshotInstalled { [weak datanodes] in
            do {
                clientProtocol.leases.removeAll()
                try clientProtocol.restoreLeases()
                try datanodes?.reloadBlocks(from: engine)
            } catch {
                logger.error("rebuilding leases and the block map after a snapshot failed", metadata: ["error": "\(error)"])
            }
        }
        // A standby holds a client's call through an election (two election timeouts at
        // most, the longest one normally takes) rather than send it into a back-off.
        let hold = membership == nil ? Duration.zero
            : try configuration.get(Keys.raftTick) * (2 * (try configuration.get(Keys.raftElectionTicks)))
        let ha = HAState(membership: membership, engine: engine, holdWithoutActive: hold) { [weak datanodes] active in
            datanodes?.setStandby(!active)
            if active {
                do { try engine.catchUpIDCounters() } catch {
                    logger.error("reading the id counters failed", metadata: ["error": "\(error)"])
                }
            }
            logger.notice(active ? "this namenode is now active" : "this namenode is now a standby",
                          metadata: ["term": "\(engine.raft?.status.term ?? 0)"])
        }
        if let raft = engine.raft {
            datanodes.setStandby(true)
            datanodes.setHAStatusSource {
                let status = raft.status
                var proto = Rfs_Datanode_NamenodeHAStatus()
                proto.state = ha.isActive ? .active : .standby
                proto.term = status.term
                proto.namenodeID = raft.id
                proto.leaderID = status.leader
                proto.appliedIndex = engine.lastAppliedIndex
                proto.memberAddresses = status.members.map { "\($0.address)" }
                return proto
            }
        }

        var registry = RPCServiceRegistry()
        clientProtocol.register(into: &registry)
        if membership != nil {
            registry.guardMethods(of: ProtocolNames.clientProtocol) { method in try await ha.admit(method: method) }
        }
        clientProtocol.registerBlockRecovery(into: &registry)
        datanodes.register(into: &registry)
        registerHAService(into: &registry, ha: ha)
        if let raft = engine.raft, let membership {
            raft.register(into: &registry)
            RaftAdministration(node: raft, membership: membership, ha: ha, engine: engine).register(into: &registry)
        }
        let server = try await RPCServer.start(host: address.host, port: address.port, registry: registry,
                                               configuration: serverConfiguration, group: group, logger: logger)
        if membership != nil {
            await engine.startReplication(tick: try configuration.get(Keys.raftTick))
        }
        let space = NameDirectorySpace(path: directory, reservedBytes: try configuration.get(Keys.namenodeReservedBytes))
        let resourceCheckInterval = try configuration.get(Keys.namenodeResourceCheckInterval)
        let resourceMonitor = Task {
            while !Task.isCancelled {
                if space.isLow(), safeMode.enterForLowResources() {
                    logger.error("the name directory is low on space: safe mode is on until an administrator frees space and leaves it (hdfs dfsadmin -safemode leave)",
                                 metadata: ["directory": "\(directory)", "available": "\(space.availableBytes() ?? 0)",
                                            "reserved": "\(space.reservedBytes)"])
                }
                try? await Task.sleep(for: resourceCheckInterval)
            }
        }
        let checkpointInterval = try configuration.get(Keys.checkpointInterval)
        let compactionEntries = UInt64(try configuration.get(Keys.raftLogCompactionEntries))
        let monitor = Task {
            var sinceCheckpoint = Duration.zero
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                // A standby only watches heartbeats; replication and leases are the active's.
                let active = ha.isActive
                datanodes.runMonitors()
                safeMode.update(safeBlockFraction: datanodes.safeBlockFraction())
                if active { await clientProtocol.recoverExpiredLeases() }
                // A new active (or a restarted one) finishes what its predecessor left.
                if active { clientProtocol.wakePurge() }
                sinceCheckpoint += heartbeat
                if sinceCheckpoint >= checkpointInterval {
                    sinceCheckpoint = .zero
                    do { try engine.checkpoint() } catch {
                        logger.error("checkpoint failed; the WAL keeps growing until one succeeds", metadata: ["error": "\(error)"])
                    }
                    if active { await engine.proposeLogCompaction(minimumEntries: compactionEntries) }
                }
            }
        }
        let purger = Task {
            for await _ in clientProtocol.purgeWakeUps {
                await clientProtocol.purgeDetachedSubtrees { ha.isActive }
            }
        }
        clientProtocol.wakePurge()
        var background = [monitor, resourceMonitor, purger]
        let trashMinutes = try configuration.get(Keys.trashInterval)
        if trashMinutes > 0 {
            let checkpointMinutes = try configuration.get(Keys.trashCheckpointInterval)
            background.append(Task {
                await clientProtocol.runTrashEmptier(deletionMinutes: trashMinutes, checkpointMinutes: checkpointMinutes) { ha.isActive }
            })
        }
        return NameNodeDaemon(rpcServer: server, engine: engine, datanodes: datanodes, ha: ha, clientProtocol: clientProtocol,
                              background: background, logger: logger)
    }

    /// What `hdfs haadmin` asks: active or standby (a single namenode is always active). The
    /// active is chosen by Raft, so manual transitions are refused, as HDFS refuses them when
    /// automatic failover is on; `rfs haadmin -failover` hands leadership over instead.
    static func registerHAService(into registry: inout RPCServiceRegistry, ha: HAState) {
        let name = ProtocolNames.haServiceProtocol
        registry.register(protocol: name, method: "getServiceStatus") {
            (_: Hadoop_Common_GetServiceStatusRequestProto, _: RPCCallContext) async throws -> Hadoop_Common_GetServiceStatusResponseProto in
            var status = Hadoop_Common_GetServiceStatusResponseProto()
            status.state = ha.isActive ? .active : .standby
            status.readyToBecomeActive = true
            return status
        }
        // ClientProtocol's getHAServiceState (ObserverReadProxyProvider and
        // RequestHedgingProxyProvider ask every namenode it): served by a standby too, as
        // HDFS files it under OperationCategory.UNCHECKED (see `HAState.admit`).
        registry.register(protocol: ProtocolNames.clientProtocol, method: "getHAServiceState") {
            (_: Hadoop_Hdfs_HAServiceStateRequestProto, _: RPCCallContext) async throws -> Hadoop_Hdfs_HAServiceStateResponseProto in
            var reply = Hadoop_Hdfs_HAServiceStateResponseProto()
            reply.state = ha.isActive ? .active : .standby
            return reply
        }
        registry.register(protocol: name, method: "monitorHealth") {
            (_: Hadoop_Common_MonitorHealthRequestProto, _: RPCCallContext) async throws -> Hadoop_Common_MonitorHealthResponseProto in
            Hadoop_Common_MonitorHealthResponseProto()
        }
        let refusal = "the active namenode is elected by Raft; use 'rfs haadmin -failover <from> <to>' to hand leadership over"
        registry.register(protocol: name, method: "transitionToActive") {
            (_: Hadoop_Common_TransitionToActiveRequestProto, _: RPCCallContext) async throws -> Hadoop_Common_TransitionToActiveResponseProto in
            throw HadoopRemoteError(.ioException, "Refusing to manually manage HA state: " + refusal)
        }
        registry.register(protocol: name, method: "transitionToStandby") {
            (_: Hadoop_Common_TransitionToStandbyRequestProto, _: RPCCallContext) async throws -> Hadoop_Common_TransitionToStandbyResponseProto in
            throw HadoopRemoteError(.ioException, "Refusing to manually manage HA state: " + refusal)
        }
    }

    /// Stops serving, then stops the edit log (with HA: the Raft member) and makes LevelDB durable.
    public func shutdown() async throws {
        for task in background { task.cancel() }
        clientProtocol.stopPurging()
        try await rpcServer.close()
        try await engine.close()
    }
}

extension ClientProtocolService {
    /// After a restart, every file under construction gets a fresh lease for its holder.
    func restoreLeases() throws {
        let now = clock()
        for file in try reads().filesUnderConstruction() {
            leases.opened(fileID: file.id, holder: file.underConstruction.clientName, nowMillis: now)
        }
    }

    /// Closes the files of writers silent past the hard limit.
    func recoverExpiredLeases() async {
        for (holder, fileID) in leases.hardExpired(nowMillis: clock()) {
            do {
                guard let file = try reads().inode(id: fileID), file.hasUnderConstruction else {
                    leases.closed(fileID: fileID, holder: holder)
                    continue
                }
                let path = try reads().path(of: file)
                let closed = try await recoverLease(path: path, context: try namenodeContext(method: "recoverLease"))
                logger.info("lease expired", metadata: ["holder": "\(holder)", "path": "\(path)", "closed": "\(closed)"])
            } catch {
                logger.warning("lease recovery failed", metadata: ["holder": "\(holder)", "file": "\(fileID)", "error": "\(error)"])
            }
        }
    }
}
