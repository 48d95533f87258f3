import Hummingbird
import Logging
import Metrics
import RFSBlockManagement
import RFSClient
import RFSConfig
import RFSHTTP
import RFSMetrics
import RFSModel
import RFSNameNode
import RFSWebHDFS
import Synchronization

/// The namenode's HTTP port (HDFS's 9870), served beside its RPC port: WebHDFS (namespace
/// operations answered here, CREATE/APPEND/OPEN redirected to a datanode), the web UI,
/// `/metrics` and `/jmx`.
public final class NameNodeHTTPServer: Sendable {
    private let server: HTTPServer
    private let state: NameNodeHTTPState
    private let sampler: Task<Void, Never>

    public var port: Int { server.port }

    private init(server: HTTPServer, state: NameNodeHTTPState, sampler: Task<Void, Never>) {
        self.server = server
        self.state = state
        self.sampler = sampler
    }

    /// Serves on `dfs.namenode.http-address` for a namenode already running.
    public static func start(configuration: Configuration, daemon: NameNodeDaemon, logger: Logger) async throws -> NameNodeHTTPServer {
        let address = try configuration.get(Keys.namenodeHTTPAddress)
        let rpcAddress = try configuration.get(Keys.namenodeRPCAddress)
        let rpcPort = daemon.rpcServer.localAddress.port ?? rpcAddress.port
        let state = NameNodeHTTPState(daemon: daemon, configuration: configuration, rpcHost: rpcAddress.host, rpcPort: rpcPort,
                                      logger: logger)
        let server = try await HTTPServer.start(address: address, name: "namenode", logger: logger) { request, _ in
            await state.respond(to: request)
        }
        let sampler = Task {
            while !Task.isCancelled {
                state.operationRates.sample()
                try? await Task.sleep(for: OperationRates.interval)
            }
        }
        return NameNodeHTTPServer(server: server, state: state, sampler: sampler)
    }

    public func close() async {
        sampler.cancel()
        await server.close()
        await state.clients.closeAll()
    }
}

/// What every request handler shares.
final class NameNodeHTTPState: Sendable {
    let daemon: NameNodeDaemon
    let clients: FileSystemPool
    let logger: Logger
    /// Where WebHDFS calls reach this namenode's RPC server (loopback when it listens on all
    /// interfaces).
    let localRPC: HostPort
    /// The host part datanodes are told to call back on (`namenoderpcaddress`), when the RPC
    /// address names one; otherwise the host the client used to reach us.
    let advertisedRPCHost: String?
    let rpcPort: Int
    let operationRates = OperationRates()
    let walCounters = CounterMirror()
    let startedAtMillis = DatanodeProtocolService.wallClockMillis()
    /// Each namenode of the nameservice's web address by id (`dfs.namenode.http-address.<ns>.<id>`),
    /// for the UI's and the Raft bean's links; empty for a single namenode.
    let namenodeHTTPAddresses: [String: HostPort]

    init(daemon: NameNodeDaemon, configuration: Configuration, rpcHost: String, rpcPort: Int, logger: Logger) {
        self.daemon = daemon
        self.logger = logger
        self.rpcPort = rpcPort
        let wildcard = rpcHost == "0.0.0.0" || rpcHost == "::" || rpcHost.isEmpty
        self.localRPC = HostPort(host: wildcard ? "127.0.0.1" : rpcHost, port: rpcPort)
        self.advertisedRPCHost = wildcard ? nil : rpcHost
        self.clients = FileSystemPool(configuration: configuration)
        var httpAddresses: [String: HostPort] = [:]
        if let membership = daemon.ha.membership {
            for member in membership.members {
                let key = Keys.namenodeHTTPAddress.name + "." + membership.nameservice + "." + member.id
                if let address = try? configuration.get(key, as: Keys.addressShape) { httpAddresses[member.id] = address }
            }
        }
        self.namenodeHTTPAddresses = httpAddresses
    }

    func respond(to request: Request) async -> Response {
        let path = request.uri.path
        if path.hasPrefix(WebHDFSRequest.prefix) {
            return await NameNodeWebHDFS(state: self).respond(to: request)
        }
        guard request.method == .get || request.method == .head else {
            return Replies.text("Method not allowed\n", status: .methodNotAllowed)
        }
        let query = request.uri.queryParameters
        switch path {
        case "/metrics":
            recordGauges()
            return MetricsPages.metrics()
        case "/jmx":
            recordGauges()
            return MetricsPages.jmx(service: "NameNode", beans: jmxBeans(), query: query["qry"].map(String.init))
        case "/", "/index.html", "/dfshealth.html":
            return Replies.html(NameNodePages(state: self).overview())
        case "/datanodes":
            return Replies.html(NameNodePages(state: self).datanodes())
        case "/explorer":
            let target = query["path"].flatMap { WebHDFSRequest.percentDecode($0, plusIsSpace: true) } ?? "/"
            return Replies.html(await NameNodePages(state: self).explorer(path: target.isEmpty ? "/" : target))
        default:
            return Replies.notFound(path)
        }
    }

    /// Figures read at scrape time: namespace and block states, capacity, datanodes, safe
    /// mode, and the edit log's counters.
    func recordGauges() {
        let stats = daemon.datanodes.clusterStats()
        Gauge(label: "rfs_namenode_capacity_bytes").record(stats.capacityBytes)
        Gauge(label: "rfs_namenode_used_bytes").record(stats.dfsUsedBytes)
        Gauge(label: "rfs_namenode_remaining_bytes").record(stats.remainingBytes)
        Gauge(label: "rfs_namenode_blocks").record(stats.blocks)
        Gauge(label: "rfs_namenode_blocks_under_replicated").record(stats.underReplicatedBlocks)
        Gauge(label: "rfs_namenode_blocks_corrupt").record(stats.corruptBlocks)
        Gauge(label: "rfs_namenode_blocks_missing").record(stats.missingBlocks)
        Gauge(label: "rfs_namenode_blocks_pending_replication").record(stats.pendingReplicationBlocks)
        Gauge(label: "rfs_namenode_replicas_pending_deletion").record(stats.pendingDeletionReplicas)
        Gauge(label: "rfs_namenode_datanodes", dimensions: [("state", "live")]).record(stats.liveDatanodes)
        Gauge(label: "rfs_namenode_datanodes", dimensions: [("state", "dead")]).record(stats.deadDatanodes)
        Gauge(label: "rfs_namenode_datanodes", dimensions: [("state", "decommissioning")]).record(stats.decommissioningDatanodes)
        Gauge(label: "rfs_namenode_safe_mode").record(daemon.isInSafeMode ? 1 : 0)
        if let totals = try? daemon.namespaceTotals() {
            Gauge(label: "rfs_namenode_files_and_directories").record(totals.inodes)
        }
        Gauge(label: "rfs_namenode_last_applied_index").record(daemon.engine.lastAppliedIndex)
        Gauge(label: "rfs_namenode_ha_active").record(daemon.ha.isActive ? 1 : 0)
        if let raft = daemon.raftView {
            Gauge(label: "rfs_raft_term").record(raft.term)
            Gauge(label: "rfs_raft_commit_index").record(raft.commitIndex)
            Gauge(label: "rfs_raft_applied_index").record(raft.appliedIndex)
            walCounters.advance("rfs_raft_leader_changes_total", to: raft.leaderChanges)
            for member in raft.members {
                guard let lag = member.lag else { continue }
                Gauge(label: "rfs_raft_member_lag_entries", dimensions: [("member", member.id)]).record(lag)
            }
        }
        let wal = daemon.walStats
        walCounters.advance("rfs_wal_appends_total", to: wal.appends)
        walCounters.advance("rfs_wal_records_total", to: wal.records)
        walCounters.advance("rfs_wal_fsyncs_total", to: wal.fsyncs)
        walCounters.advance("rfs_wal_bytes_total", to: wal.bytes)
        walCounters.advance("rfs_wal_group_commits_total", to: wal.batches)
        // Group commit's yield: edits (records) made durable per fsync since start. A Raft
        // member hands several entries over in one append, so appends would undercount.
        Gauge(label: "rfs_wal_entries_per_fsync").record(wal.fsyncs == 0 ? 0 : Double(wal.records) / Double(wal.fsyncs))
    }

    /// HDFS's FSNamesystem, NameNodeInfo and NameNodeStatus beans (the attributes scripts read:
    /// HA probes look at NameNodeStatus's `State` or FSNamesystem's `tag.HAState`), and for a
    /// member of a Raft group an rfs bean with the group's figures.
    func jmxBeans() -> [MetricsPages.Bean] {
        let stats = daemon.datanodes.clusterStats()
        let inodes = (try? daemon.namespaceTotals().inodes) ?? 0
        // HDFS's HAServiceState names, lower-cased as both beans write them.
        let haState = daemon.ha.isActive ? "active" : "standby"
        var beans = [
            MetricsPages.Bean(name: "Hadoop:service=NameNode,name=FSNamesystem", attributes: [
                ("tag.HAState", .string(haState)),
                ("CapacityTotal", .int(stats.capacityBytes)),
                ("CapacityUsed", .int(stats.dfsUsedBytes)),
                ("CapacityRemaining", .int(stats.remainingBytes)),
                ("FilesTotal", .int(Int64(inodes))),
                ("BlocksTotal", .int(Int64(stats.blocks))),
                ("UnderReplicatedBlocks", .int(Int64(stats.underReplicatedBlocks))),
                ("CorruptBlocks", .int(Int64(stats.corruptBlocks))),
                ("MissingBlocks", .int(Int64(stats.missingBlocks))),
                ("PendingReplicationBlocks", .int(Int64(stats.pendingReplicationBlocks))),
                ("PendingDeletionBlocks", .int(Int64(stats.pendingDeletionReplicas))),
                ("NumLiveDataNodes", .int(Int64(stats.liveDatanodes))),
                ("NumDeadDataNodes", .int(Int64(stats.deadDatanodes))),
                ("NumDecommissioningDataNodes", .int(Int64(stats.decommissioningDatanodes))),
            ]),
            MetricsPages.Bean(name: "Hadoop:service=NameNode,name=NameNodeStatus", attributes: [
                ("NNRole", .string("NameNode")),
                ("State", .string(haState)),
                ("SecurityEnabled", .bool(false)),
                ("HostAndPort", .string("\(localRPC)")),
            ]),
            MetricsPages.Bean(name: "Hadoop:service=NameNode,name=NameNodeInfo", attributes: [
                ("Version", .string(RFSBuild.version)),
                ("Safemode", .string(daemon.isInSafeMode ? "Safe mode is ON." : "")),
                ("NNStartedTimeInMillis", .int(startedAtMillis)),
            ]),
        ]
        if let raft = daemon.raftView { beans.append(Self.raftBean(raft, httpAddresses: namenodeHTTPAddresses)) }
        return beans
    }

    /// `Hadoop:service=NameNode,name=RaftStatus`: HDFS has no Raft, so this bean is ours. The
    /// same figures as `/metrics`'s rfs_raft_* (term, commit and applied index, leader changes),
    /// the leader's id, and every member with its role; match index and lag only where this
    /// namenode leads, since only the leader tracks its followers.
    static func raftBean(_ raft: RaftGroupView, httpAddresses: [String: HostPort]) -> MetricsPages.Bean {
        let members: [JSON] = raft.members.map { member in
            var fields: [(String, JSON)] = [
                ("Id", .string(member.id)),
                ("HostAndPort", .string("\(member.address)")),
                ("State", .string(member.isLeader ? "active" : "standby")),
                ("Self", .bool(member.isSelf)),
            ]
            if let http = httpAddresses[member.id] { fields.append(("HttpAddress", .string("\(http)"))) }
            if let match = member.matchIndex { fields.append(("MatchIndex", .int(Int64(clamping: match)))) }
            if let lag = member.lag { fields.append(("LagEntries", .int(Int64(clamping: lag)))) }
            return .object(fields)
        }
        let leader = raft.members.first(where: \.isLeader).map { JSON.string($0.id) } ?? .null
        return MetricsPages.Bean(name: "Hadoop:service=NameNode,name=RaftStatus", attributes: [
            ("Nameservice", .string(raft.nameservice)),
            ("NamenodeId", .string(raft.members.first(where: \.isSelf)?.id ?? "")),
            ("State", .string(raft.isActive ? "active" : "standby")),
            ("Leader", leader),
            ("Term", .int(Int64(clamping: raft.term))),
            ("CommitIndex", .int(Int64(clamping: raft.commitIndex))),
            ("AppliedIndex", .int(Int64(clamping: raft.appliedIndex))),
            ("LeaderChanges", .int(Int64(clamping: raft.leaderChanges))),
            ("Members", .array(members)),
        ])
    }
}

/// Client operations per second over the last minute, sampled from the RPC server's call
/// counters every few seconds (a ring of samples; the UI shows the difference).
final class OperationRates: Sendable {
    static let interval = Duration.seconds(5)
    static let samplesKept = 13

    private let samples = Mutex<[(atMillis: Int64, callsByMethod: [String: Int64])]>([])

    func sample() {
        let calls = Self.currentCalls()
        let now = DatanodeProtocolService.wallClockMillis()
        samples.withLock { samples in
            samples.append((now, calls))
            if samples.count > Self.samplesKept { samples.removeFirst(samples.count - Self.samplesKept) }
        }
    }

    /// (method, calls per second) from the oldest sample kept to now, busiest first; nil
    /// before the first sample or within a second of it.
    func rates() -> (windowSeconds: Double, perMethod: [(String, Double)])? {
        let now = DatanodeProtocolService.wallClockMillis()
        let current = Self.currentCalls()
        guard let first = samples.withLock({ $0.first }), now - first.atMillis >= 1000 else { return nil }
        let seconds = Double(now - first.atMillis) / 1000
        let perMethod = current.map { method, count in
            (method, Double(count - (first.callsByMethod[method] ?? 0)) / seconds)
        }.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }
        return (seconds, perMethod)
    }

    /// Calls answered so far, by method (successes and errors), from the RPC server's counters.
    static func currentCalls() -> [String: Int64] {
        var calls: [String: Int64] = [:]
        for (series, value) in MetricsPages.samples(RFSMetrics.exposition()) where series.hasPrefix("rfs_rpc_calls_total{") {
            guard let method = label("method", in: series), case .int(let count) = value else { continue }
            calls[method, default: 0] += count
        }
        return calls
    }

    static func label(_ name: String, in series: String) -> String? {
        guard let start = series.range(of: name + "=\"") else { return nil }
        let rest = series[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

/// Counters kept elsewhere (the WAL counts for itself) shown as Prometheus counters: each
/// scrape adds what grew since the last one, so `rate()` works on them.
final class CounterMirror: Sendable {
    private let seen = Mutex<[String: UInt64]>([:])

    func advance(_ label: String, to total: UInt64) {
        let delta = seen.withLock { seen -> UInt64 in
            let last = seen[label] ?? 0
            seen[label] = max(last, total)
            return total > last ? total - last : 0
        }
        // Made on every scrape: swift-metrics hands back the registry's one counter by label.
        Counter(label: label).increment(by: Int64(clamping: delta))
    }
}
