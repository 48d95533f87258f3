import Foundation
import NIOCore
import NIOPosix
import RFSModel
import RFSProtocol
import RFSRPC

/// The namenode operations `rfs bench nn` drives, as HDFS's NNThroughputBenchmark names them.
public enum NameNodeOperation: String, CaseIterable, Sendable {
    case create, mkdirs, open, fileStatus, rename, delete, blockReport

    /// Operations that change the namespace and so wait for a WAL fsync.
    var isMutation: Bool { [.create, .mkdirs, .rename, .delete].contains(self) }

    /// What one operation is, for the table's note.
    var rpcs: String {
        switch self {
        case .create: "create + complete (2 edits)"
        case .mkdirs: "mkdirs"
        case .open: "getBlockLocations"
        case .fileStatus: "getFileInfo"
        case .rename: "rename"
        case .delete: "delete"
        case .blockReport: "blockReport"
        }
    }
}

public struct NameNodeBenchOptions: Sendable {
    public var operations: [NameNodeOperation]
    /// Concurrent clients, each with its own RPC connection (async tasks, not threads).
    public var threads: Int
    /// At most this many operations per phase (and files created for the others).
    public var files: Int
    /// Files and directories spread over this many directories.
    public var dirs: Int
    public var duration: Duration?
    public var keepResults: Bool
    /// Namenode blocks per simulated datanode in blockReport.
    public var blocksPerReport: Int

    public init(operations: [NameNodeOperation], threads: Int, files: Int, dirs: Int, duration: Duration?, keepResults: Bool,
                blocksPerReport: Int = 1000) {
        self.operations = operations
        self.threads = threads
        self.files = files
        self.dirs = dirs
        self.duration = duration
        self.keepResults = keepResults
        self.blocksPerReport = blocksPerReport
    }
}

/// NNThroughputBenchmark over the wire: `threads` clients call the namenode's ClientProtocol
/// concurrently; each phase is one operation, timed per call into an HDR histogram, with the
/// namenode's WAL entries per fsync read from /metrics before and after mutations.
/// Files live under one base directory, removed at the end unless `keepResults`.
public final class NameNodeBench: Sendable {
    let target: ClusterTarget
    let options: NameNodeBenchOptions
    let progress: ProgressLine?
    let base: String
    let clients: [RPCClient]
    /// The event loop each client's worker runs on, the same in every phase: its connection
    /// is made there by the first call, and its calls are written and answered there, with no
    /// hand-off through Swift's pool (the load generator shares the machine with the cluster).
    let loops: [any EventLoop]

    public init(target: ClusterTarget, options: NameNodeBenchOptions, progress: ProgressLine?, runID: String) {
        self.target = target
        self.options = options
        self.progress = progress
        self.base = "/rfs-bench/nn-\(runID)-c\(options.threads)"
        var configuration = RPCClientConfiguration(addresses: target.namenodes, user: target.user, protocolName: ProtocolNames.clientProtocol)
        configuration.callTimeout = .seconds(120)
        if target.namenodes.count == 1 {
            // One namenode: nowhere to fail over to; a few quick retries, then the phase fails
            // (as Hadoop's non-HA client gives up) instead of backing off for minutes.
            configuration.maxFailovers = 2
            configuration.backoffBase = .milliseconds(500)
            configuration.backoffMax = .seconds(1)
        }
        let group = MultiThreadedEventLoopGroup.singleton
        self.clients = (0..<options.threads).map { _ in RPCClient(configuration: configuration, group: group) }
        self.loops = (0..<options.threads).map { _ in group.next() }
    }

    /// Each worker's task runs on its client's loop (see `loops`).
    var workerExecutor: @Sendable (Int) -> (any TaskExecutor)? {
        { [loops] worker in EventLoopTaskExecutor(loops[worker]) }
    }

    func filePath(_ index: Int) -> String { "\(base)/files/d\(index % options.dirs)/f\(index)" }
    func renamedPath(_ index: Int) -> String { "\(base)/renamed/d\(index % options.dirs)/f\(index)" }
    func directoryPath(_ index: Int) -> String { "\(base)/dirs/d\(index % options.dirs)/m\(index)" }
    func clientName(_ worker: Int) -> String { "DFSClient_NNBench_\(options.threads)_\(worker)" }

    /// Runs each operation in order and returns one row each (without baselines: the caller
    /// attaches those). Stops early on Ctrl-C, returning the rows measured so far.
    public func run() async -> [BenchRow] {
        // Run on the same machine as the namenode, the workers' loops must not preempt it at
        // every reply, as remote clients would not. No process is started from these threads,
        // so no namenode or datanode inherits the policy.
        try? await MultiThreadedEventLoopGroup.singleton.preferThroughputOnEveryLoop()
        var rows: [BenchRow] = []
        var created = 0
        var renamed = 0
        for operation in options.operations {
            if BenchInterrupt.shouldStop { break }
            do {
                if [.open, .fileStatus, .rename].contains(operation) || (operation == .delete && renamed == 0), created == 0 {
                    created = try await prepareFiles()
                }
                let row: BenchRow
                switch operation {
                case .create:
                    (row, created) = try await measure(operation, bound: bound(options.files)) { worker, index in
                        try await self.create(worker: worker, path: self.filePath(index))
                    }
                case .mkdirs:
                    (row, _) = try await measure(operation, bound: bound(options.files)) { worker, index in
                        try await self.mkdirs(worker: worker, path: self.directoryPath(index))
                    }
                case .open:
                    (row, _) = try await measure(operation, bound: bound(options.files)) { [created] worker, index in
                        try await self.open(worker: worker, path: self.filePath(index % created))
                    }
                case .fileStatus:
                    (row, _) = try await measure(operation, bound: bound(options.files)) { [created] worker, index in
                        try await self.fileStatus(worker: worker, path: self.filePath(index % created))
                    }
                case .rename:
                    try await makeRenameTargets()
                    (row, renamed) = try await measure(operation, bound: bound(min(options.files, created))) { worker, index in
                        try await self.rename(worker: worker, from: self.filePath(index), to: self.renamedPath(index))
                    }
                case .delete:
                    let fromRenamed = renamed > 0
                    (row, _) = try await measure(operation, bound: bound(min(options.files, fromRenamed ? renamed : created))) { worker, index in
                        try await self.delete(worker: worker, path: fromRenamed ? self.renamedPath(index) : self.filePath(index))
                    }
                    if fromRenamed { renamed = 0 } else { created = 0 }
                case .blockReport:
                    row = try await BlockReportBench(target: target, progress: progress, blocksPerReport: options.blocksPerReport,
                                                     reports: options.files, threads: options.threads, duration: options.duration).run()
                }
                rows.append(row)
            } catch {
                rows.append(BenchRow(key: key(operation), name: name(operation), value: nil, unit: "ops/s", note: "failed: \(error)"))
            }
        }
        if !options.keepResults { await cleanUp() }
        for client in clients { await client.close() }
        return rows
    }

    func key(_ operation: NameNodeOperation) -> String { "nn.\(operation.rawValue).c\(options.threads)" }
    func name(_ operation: NameNodeOperation) -> String { "nn \(operation.rawValue), \(options.threads) client\(options.threads == 1 ? "" : "s")" }

    func bound(_ operations: Int) -> LoadBound { LoadBound(operations: operations, duration: options.duration) }

    /// One timed phase; returns its row and how many operations completed.
    func measure(_ operation: NameNodeOperation, bound: LoadBound,
                 _ body: @escaping @Sendable (Int, Int) async throws -> Void) async throws -> (BenchRow, Int) {
        let before = operation.isMutation ? await WALCounters.scrape(target.metrics) : [:]
        let result = await runLoad(name: "nn \(operation.rawValue) (\(options.threads) clients)", workers: options.threads,
                                   bound: bound, progress: progress, executor: workerExecutor, operation: body)
        if let error = result.error { throw BenchError(error) }
        var row = BenchRow(key: key(operation), name: name(operation), value: result.opsPerSecond, unit: "ops/s", latency: result.latency)
        if operation.isMutation {
            row.entriesPerFsync = WALCounters.busiestRatio(before: before, after: await WALCounters.scrape(target.metrics))
        }
        row.note = "\(result.operations) × \(operation.rpcs) in \(TableFormat.format(result.elapsed.seconds, digits: 1)) s"
            + (result.interrupted ? "; stopped by Ctrl-C" : "")
        return (row, result.operations)
    }

    /// Files for the read, rename and delete phases when no create phase made them (untimed).
    /// With a duration the phase is bounded by time, and reads cycle over at most 10,000 files.
    func prepareFiles() async throws -> Int {
        let count = options.duration == nil ? options.files : min(options.files, 10_000)
        progress?.phase("nn: creating \(count) files for the next phase")
        let result = await runLoad(name: "nn prepare", workers: options.threads, bound: LoadBound(operations: count, duration: nil),
                                   progress: progress, executor: workerExecutor) { worker, index in
            try await self.create(worker: worker, path: self.filePath(index))
        }
        if let error = result.error { throw BenchError(error) }
        return result.operations
    }

    /// rename does not create parents (HDFS returns false), so the target directories exist first.
    func makeRenameTargets() async throws {
        for directory in 0..<options.dirs {
            try await mkdirs(worker: 0, path: "\(base)/renamed/d\(directory)")
        }
    }

    /// Removes what the run made, in one recursive delete (linear in the entries it removes).
    func cleanUp() async {
        try? await delete(worker: 0, path: base, recursive: true)
    }

    // MARK: the operations, each one or two ClientProtocol calls

    func create(worker: Int, path: String) async throws {
        var create = Hadoop_Hdfs_CreateRequestProto()
        create.src = path
        create.masked.perm = 0o644
        create.clientName = clientName(worker)
        create.createFlag = UInt32(Hadoop_Hdfs_CreateFlagProto.create.rawValue)
        create.createParent = true
        create.replication = 3
        create.blockSize = 128 << 20
        let created: Hadoop_Hdfs_CreateResponseProto = try await clients[worker].call("create", create, idempotent: false)
        var complete = Hadoop_Hdfs_CompleteRequestProto()
        complete.src = path
        complete.clientName = clientName(worker)
        complete.fileID = created.fs.fileID
        let done: Hadoop_Hdfs_CompleteResponseProto = try await clients[worker].call("complete", complete, idempotent: true)
        guard done.result else { throw BenchError("complete of \(path) returned false") }
    }

    func mkdirs(worker: Int, path: String) async throws {
        var request = Hadoop_Hdfs_MkdirsRequestProto()
        request.src = path
        request.masked.perm = 0o755
        request.createParent = true
        let reply: Hadoop_Hdfs_MkdirsResponseProto = try await clients[worker].call("mkdirs", request, idempotent: true)
        guard reply.result else { throw BenchError("mkdirs \(path) returned false") }
    }

    func open(worker: Int, path: String) async throws {
        var request = Hadoop_Hdfs_GetBlockLocationsRequestProto()
        request.src = path
        request.offset = 0
        request.length = 128 << 20
        let reply: Hadoop_Hdfs_GetBlockLocationsResponseProto = try await clients[worker].call("getBlockLocations", request, idempotent: true)
        guard reply.hasLocations else { throw BenchError("getBlockLocations \(path): no such file") }
    }

    func fileStatus(worker: Int, path: String) async throws {
        var request = Hadoop_Hdfs_GetFileInfoRequestProto()
        request.src = path
        let reply: Hadoop_Hdfs_GetFileInfoResponseProto = try await clients[worker].call("getFileInfo", request, idempotent: true)
        guard reply.hasFs else { throw BenchError("getFileInfo \(path): no such file") }
    }

    func rename(worker: Int, from source: String, to destination: String) async throws {
        var request = Hadoop_Hdfs_RenameRequestProto()
        request.src = source
        request.dst = destination
        let reply: Hadoop_Hdfs_RenameResponseProto = try await clients[worker].call("rename", request, idempotent: false)
        guard reply.result else { throw BenchError("rename \(source) → \(destination) returned false") }
    }

    func delete(worker: Int, path: String, recursive: Bool = false) async throws {
        var request = Hadoop_Hdfs_DeleteRequestProto()
        request.src = path
        request.recursive = recursive
        let reply: Hadoop_Hdfs_DeleteResponseProto = try await clients[worker].call("delete", request, idempotent: false)
        guard reply.result else { throw BenchError("delete \(path) returned false") }
    }
}
