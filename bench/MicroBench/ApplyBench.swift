#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RFSKeyValue
import RFSNamespace
import RFSProtocol

/// The namespace state machine alone, on one thread, as the namenode's apply thread runs it
/// (and as every member of a Raft group runs it for every edit): creates and completes of empty
/// files in directories of 1,000, applied in batches of 20 edits — a group commit's worth at 64
/// clients — each batch one LevelDB WriteBatch, through the same caches the applier keeps.
/// No sockets, no WAL, no other threads: the figure is the CPU an edit costs to apply, which the
/// namenode benchmarks can only show mixed with everything else.
///
/// Baseline, same run: the WriteBatches the applier produced, written again to a fresh
/// LevelDB — what the store alone costs of each edit.
func runApplyBench(quick: Bool) throws -> [String] {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-applybench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let files = quick ? 4_000 : 100_000
    // Rounds on fresh stores: this VM's cores run ±15% from one second to the next, and the
    // least CPU a round took is the steadiest figure of what the code costs.
    let rounds = quick ? 1 : 5
    var applying: [Double] = []
    var storing: [Double] = []
    var shape = (edits: 0, batches: 0, puts: 0)
    for round in 1...rounds {
        let measured = try applyRound(directory: root + "/round\(round)", files: files)
        applying.append(measured.applyCPU / Double(measured.edits) * 1e6)
        storing.append(measured.storeCPU / Double(measured.edits) * 1e6)
        shape = (measured.edits, measured.batches, measured.puts)
        try? FileManager.default.removeItem(atPath: root + "/round\(round)")
    }
    func summary(_ values: [Double]) -> String {
        let sorted = values.sorted()
        return String(format: "%.1f µs (median %.1f, rounds ", sorted[0], sorted[sorted.count / 2])
            + values.map { String(format: "%.1f", $0) }.joined(separator: ", ") + ")"
    }
    return ["namespace apply: \(files) empty files created and completed (\(shape.edits) edits) in batches of 20 edits into LevelDB, one thread, least of \(rounds) round(s)",
            "  baseline: the same \(shape.batches) WriteBatches (\(shape.puts) puts) written to a fresh LevelDB: " + summary(storing) + " of CPU per edit",
            "  applying: " + summary(applying) + String(format: " of CPU per edit; %.1fx the store alone", applying.min()! / max(storing.min()!, 1e-9))]
}

/// One round: a fresh store formatted, `files` files created and completed, then the batches
/// written again to a second fresh store (the baseline).
private func applyRound(directory: String, files: Int) throws -> (applyCPU: Double, storeCPU: Double, edits: Int, batches: Int, puts: Int) {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var options = LevelDBOptions.creatingIfMissing
    // As `NamespaceEngine.open` sets it.
    options.blockCacheBytes = 64 << 20
    let filesPerBatch = 10
    let machine = NamespaceStateMachine(configuration: NamespaceConfiguration())
    let committedInodes = CommittedInodeCache()
    let readCache = CommittedReadCache()
    var batches: [WriteBatch] = []
    var index: UInt64 = 0
    var clock: UInt64 = 1_700_000_000_000
    var rejected = 0

    let store = try LevelDBStore(path: directory + "/namespace", options: options)
    func apply(_ edits: [Rfs_Namenode_Edit]) throws {
        let stamped = edits.map { edit in
            var edit = edit
            clock += 1
            edit.timeMs = clock
            edit.caller.user = "hdfs"
            return edit
        }
        index += UInt64(edits.count)
        let applied = try machine.applyBatch(stamped, lastAppliedIndex: index, to: store, committedInodes: committedInodes,
                                             readCache: readCache)
        rejected += applied.results.filter { if case .failure = $0.outcome { true } else { false } }.count
        batches.append(applied.written)
    }
    var formatEdit = Rfs_Namenode_Edit()
    formatEdit.operation = .format(Rfs_Namenode_Format(namespaceID: 1, clusterID: "CID-applybench", blockPoolID: "BP-applybench",
                                                       superuser: "hdfs", supergroup: "supergroup"))
    try apply([formatEdit])
    batches.removeAll()

    func path(_ file: Int) -> String { "/bench/d\(file / 1000)/f\(file)" }
    func create(_ file: Int) -> Rfs_Namenode_Edit {
        var op = Rfs_Namenode_Create()
        op.path = path(file)
        op.permission = 0o644
        op.clientName = "DFSClient_applybench_\(file % 64)"
        op.clientMachine = "127.0.0.1"
        op.createParent = true
        op.replication = 1
        op.blockSizeBytes = 128 << 20
        var edit = Rfs_Namenode_Edit()
        edit.operation = .create(op)
        return edit
    }
    func complete(_ file: Int) -> Rfs_Namenode_Edit {
        var op = Rfs_Namenode_Complete()
        op.path = path(file)
        op.clientName = "DFSClient_applybench_\(file % 64)"
        var edit = Rfs_Namenode_Edit()
        edit.operation = .complete(op)
        return edit
    }
    // Each batch creates ten files and completes the ten the previous batch created, as the
    // two calls of each client fall into successive group commits. The edits are built before
    // the clock starts: the proposer builds them, not the apply thread.
    var work: [[Rfs_Namenode_Edit]] = []
    for first in stride(from: 0, through: files, by: filesPerBatch) {
        var edits: [Rfs_Namenode_Edit] = []
        if first < files { edits += (first..<min(first + filesPerBatch, files)).map(create) }
        if first > 0 { edits += (first - filesPerBatch..<first).map(complete) }
        work.append(edits)
    }
    let cpuBefore = threadCPUSeconds()
    for batch in work { try apply(batch) }
    let applyCPU = threadCPUSeconds() - cpuBefore
    store.close()
    guard rejected == 0 else { throw BenchError("\(rejected) edits of the apply benchmark were rejected") }

    let replay = try LevelDBStore(path: directory + "/replay", options: options)
    let replayCPUBefore = threadCPUSeconds()
    for batch in batches { try replay.write(batch, sync: false) }
    let storeCPU = threadCPUSeconds() - replayCPUBefore
    replay.close()
    return (applyCPU, storeCPU, work.reduce(0) { $0 + $1.count }, batches.count, batches.reduce(0) { $0 + $1.operations.count })
}

/// CPU time (user + system) of the calling thread.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
