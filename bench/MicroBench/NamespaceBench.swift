#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import NIOPosix
import RFSModel
import RFSProtocol
import RFSRPC

/// The namenode create benchmark: a real `rfs namenode` process (WAL with fsync, LevelDB)
/// on loopback, driven over Hadoop RPC by 1 and by 64 concurrent clients, each creating
/// empty files (create + complete, two durable edits per file). Printed next to the disk's
/// own fsync rate measured in the same run, which bounds a log that fsyncs every edit alone.
func runNamespaceBench(quick: Bool, rfsBinary: String?) async throws -> [String] {
    let binary = try locateRFSBinary(rfsBinary)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-nnbench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let namenode = try NamenodeProcess(binary: binary, directory: directory)
    defer { namenode.stop() }
    if let seconds = ProcessInfo.processInfo.environment["RFS_BENCH_PAUSE_SECONDS"].flatMap(Double.init) {
        // Time to attach a profiler: `perf record -p <pid>` (the pid is written here).
        try? "\(namenode.process.processIdentifier)".write(toFile: directory + "/../rfs-nnbench.pid", atomically: true, encoding: .utf8)
        try await Task.sleep(for: .seconds(seconds))
    }

    let fsyncRate = measureFsyncRate(directory: directory, seconds: quick ? 0.3 : 1.0)
    var lines = ["namenode create: empty files (create + complete = 2 durable edits) over RPC on loopback; fsync on; the clients' loops run SCHED_BATCH",
                 "baseline: one 200-byte write + fdatasync per call on the same disk: \(Int(fsyncRate)) fsyncs/s"]
    // Rounds of 1 then 64 clients, each round's ratio from its two adjacent phases: on a
    // shared virtual machine one phase alone swings by ±10%, and drift between rounds cancels
    // out of a ratio taken within one. The median round is the figure.
    let rounds = quick ? 1 : 3
    // Long enough (seconds per phase) that connection set-up and ramp-up do not count.
    let totalFiles = quick ? 640 : 25_600
    var ratios: [Double] = []
    for round in 1...rounds {
        var rates: [Int: Double] = [:]
        for clients in [1, 64] {
            let perClient = max(1, (clients == 1 ? totalFiles / 10 : totalFiles) / clients)
            let cpuBefore = namenode.cpuSeconds()
            let clientCPUBefore = ownCPUSeconds()
            let rate = try await createFiles(port: namenode.port, clients: clients, filesPerClient: perClient, run: "r\(round)c\(clients)")
            let clientCPUPerEdit = (ownCPUSeconds() - clientCPUBefore) / Double(perClient * clients * 2) * 1e6
            // CPU per edit is steadier than the rate on a shared machine: it says what the
            // namenode spends, whatever else competes for the cores.
            let cpuPerEdit = (namenode.cpuSeconds() - cpuBefore) / Double(perClient * clients * 2) * 1e6
            rates[clients] = rate
            lines.append("  round \(round), \(clients) client(s): \(Int(rate)) files/s (\(Int(rate * 2)) edits/s), \(perClient * clients) files; CPU per edit: namenode \(Int(cpuPerEdit)) µs, clients \(Int(clientCPUPerEdit)) µs")
        }
        if let one = rates[1], let many = rates[64], one > 0 { ratios.append(many / one) }
    }
    if !ratios.isEmpty {
        let median = ratios.sorted()[ratios.count / 2]
        lines.append("  64 clients / 1 client = \(String(format: "%.1f", median))x, median of \(ratios.count) round(s) ("
                     + ratios.map { String(format: "%.1f", $0) }.joined(separator: ", ") + "); group commit: concurrent edits share an fsync")
    }
    lines.append("  namenode peak resident memory: \(namenode.peakResidentKiB() / 1024) MiB")
    return lines
}

/// User plus system CPU time this process has used.
func ownCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Creates `filesPerClient` empty files from each of `clients` connections at once; files/s.
func createFiles(port: Int, clients: Int, filesPerClient: Int, run: String, directoryFanout: Int = 1000) async throws -> Double {
    try await createFiles(ports: [port], clients: clients, filesPerClient: filesPerClient, run: run, directoryFanout: directoryFanout)
}

/// The same against the namenodes on `ports`: each client fails over to the active one.
func createFiles(ports: [Int], clients: Int, filesPerClient: Int, run: String, directoryFanout: Int = 1000) async throws -> Double {
    let group = MultiThreadedEventLoopGroup.singleton
    // The clients share the namenode's cores; as remote clients would, they must not preempt
    // it. RFS_BENCH_CLIENT_SCHED=other leaves them as they were, to compare.
    if ProcessInfo.processInfo.environment["RFS_BENCH_CLIENT_SCHED"] != "other" {
        try await group.preferThroughputOnEveryLoop()
    }
    let connections = (0..<clients).map { _ in benchClient(ports: ports, callTimeout: .seconds(120)) }
    defer { for client in connections { Task { await client.close() } } }
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        for (index, client) in connections.enumerated() {
            // Each client runs on one of the group's event loops, where its connection is
            // made: a call is written and its reply resumed on that thread, so the clients'
            // CPU goes to calls rather than to hand-offs between Swift's pool and NIO.
            tasks.addTask(executorPreference: EventLoopTaskExecutor(group.next())) {
                let clientName = "DFSClient_bench_\(run)_\(index)"
                for n in 0..<filesPerClient {
                    let global = index * filesPerClient + n
                    let path = "/bench/\(run)/d\(global / directoryFanout)/f\(global)"
                    var create = Hadoop_Hdfs_CreateRequestProto()
                    create.src = path
                    create.masked.perm = 0o644
                    create.clientName = clientName
                    create.createFlag = 1
                    create.createParent = true
                    create.replication = 1
                    create.blockSize = 128 << 20
                    let created: Hadoop_Hdfs_CreateResponseProto = try await client.call("create", create, idempotent: false)
                    var complete = Hadoop_Hdfs_CompleteRequestProto()
                    complete.src = path
                    complete.clientName = clientName
                    complete.fileID = created.fs.fileID
                    let _: Hadoop_Hdfs_CompleteResponseProto = try await client.call("complete", complete, idempotent: true)
                }
            }
        }
        try await tasks.waitForAll()
    }
    let elapsed = ContinuousClock.now - start
    return Double(clients * filesPerClient) / elapsed.seconds
}

/// A ClientProtocol connection to the namenodes on `ports` (failing over to the active one),
/// as this process's user: the namenode runs as the same user, which makes the bench its
/// superuser (creates under / are allowed, quota usage is read from the counters).
func benchClient(ports: [Int], callTimeout: Duration) -> RPCClient {
    var configuration = RPCClientConfiguration(addresses: ports.map { HostPort(host: "127.0.0.1", port: $0) },
                                               user: ProcessInfo.processInfo.userName, protocolName: ProtocolNames.clientProtocol)
    configuration.callTimeout = callTimeout
    var quiet = Logger(label: "rfs.bench")
    quiet.logLevel = .warning
    return RPCClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, logger: quiet)
}

/// fdatasync calls per second for 200-byte appends: what a log without group commit gets.
func measureFsyncRate(directory: String, seconds: Double) -> Double {
    let path = directory + "/fsync-probe"
    let fd = open(path, O_CREAT | O_WRONLY | O_APPEND, 0o644)
    guard fd >= 0 else { return 0 }
    defer { close(fd); unlink(path) }
    let record = [UInt8](repeating: 0x5A, count: 200)
    var count = 0
    let start = ContinuousClock.now
    while (ContinuousClock.now - start).seconds < seconds {
        _ = record.withUnsafeBytes { write(fd, $0.baseAddress, 200) }
        fdatasync(fd)
        count += 1
    }
    return Double(count) / (ContinuousClock.now - start).seconds
}

func locateRFSBinary(_ given: String?) throws -> String {
    if let given { return given }
    let sibling = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rfs").path
    guard FileManager.default.isExecutableFile(atPath: sibling) else {
        throw BenchError("cannot find the rfs binary next to rfs-microbench (\(sibling)); pass --rfs PATH")
    }
    return sibling
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `rfs namenode` as a child process on a free loopback port.
final class NamenodeProcess {
    let process = Process()
    let port: Int

    init(binary: String, directory: String, port: Int? = nil, extraFlags: [String] = [], waitForPort wait: Bool = true) throws {
        self.port = try port ?? freePort()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["namenode", "-D", "dfs.namenode.rpc-address=127.0.0.1:\(self.port)",
                             "-D", "dfs.namenode.name.dir=\(directory)/name",
                             // Any free HTTP port: 9870 may be taken by a running cluster.
                             "-D", "dfs.namenode.http-address=127.0.0.1:0"] + extraFlags
        let log = FileHandle(forWritingAtPath: directory + "/namenode.log") ?? {
            FileManager.default.createFile(atPath: directory + "/namenode.log", contents: nil)
            return FileHandle(forWritingAtPath: directory + "/namenode.log")!
        }()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        if wait {
            do {
                try waitForPort(self.port, timeoutSeconds: 30)
            } catch {
                // Nobody else holds this process yet: stop it here, or it outlives the bench.
                stop()
                throw error
            }
        }
    }

    /// User plus system CPU time the process has used, from /proc/<pid>/stat.
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // Fields after the command name: state is field 3, utime 14 and stime 15 (1-based).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmHWM from /proc: the process's peak resident set.
    func peakResidentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        return 0
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// With RFS_BENCH_MARKS=<directory>, an empty file `<run>.<event>` there marks when each
/// measured part starts and ends (its modification time), so that a profiler sampling the
/// namenodes from outside can cut its samples to the parts.
func markPart(_ run: String, _ event: String) {
    guard let directory = ProcessInfo.processInfo.environment["RFS_BENCH_MARKS"] else { return }
    FileManager.default.createFile(atPath: "\(directory)/\(run).\(event)", contents: nil)
}

/// A free port on 127.0.0.1 for a daemon about to be started (`LoopbackPort.free`: below the
/// kernel's ephemeral range, where no outgoing connection is given it meanwhile).
func freePort() throws -> Int {
    guard let port = LoopbackPort.free() else { throw BenchError("cannot find a free port") }
    return port
}

func waitForPort(_ port: Int, timeoutSeconds: Double) throws {
    let start = ContinuousClock.now
    while (ContinuousClock.now - start).seconds < timeoutSeconds {
        if LoopbackPort.isListening(port: port) { return }
        usleep(50_000)
    }
    throw BenchError("nothing listening on port \(port) after \(timeoutSeconds) s")
}

/// The scale run: `files` empty files in directories of 1,000, from 64 clients, against one
/// namenode process; prints progress, the namenode's peak resident memory and the on-disk
/// size of its name directory. HDFS needs several GiB of heap for 10 million files; rfs keeps
/// the namespace in LevelDB, so memory should stay flat as files grow.
func runNamespaceScaleBench(files: Int, clients: Int, rfsBinary: String?, directory: String?) async throws -> [String] {
    let binary = try locateRFSBinary(rfsBinary)
    let root = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("rfs-nnscale-\(UUID().uuidString)").path
    defer { if directory == nil { try? FileManager.default.removeItem(atPath: root) } }
    let namenode = try NamenodeProcess(binary: binary, directory: root)
    defer { namenode.stop() }
    var lines = ["namenode scale: \(files) empty files in directories of 1,000, \(clients) clients"]
    print(lines[0])
    let step = max(files / 10, clients)
    var done = 0
    let start = ContinuousClock.now
    while done < files {
        let count = min(step, files - done)
        let perClient = max(1, count / clients)
        let rate = try await createFiles(port: namenode.port, clients: clients, filesPerClient: perClient, run: "s\(done)")
        done += perClient * clients
        let line = "  \(done) files: \(Int(rate)) files/s in this step, peak RSS \(namenode.peakResidentKiB() / 1024) MiB, on disk \(directorySizeBytes(root + "/name") >> 20) MiB"
        print(line)
        lines.append(line)
    }
    let elapsed = (ContinuousClock.now - start).seconds
    lines.append("  total: \(done) files in \(Int(elapsed)) s (\(Int(Double(done) / elapsed)) files/s); namenode peak resident memory \(namenode.peakResidentKiB() / 1024) MiB (goal < 512 MiB); name directory \(directorySizeBytes(root + "/name") >> 20) MiB")
    print(lines[lines.count - 1])
    if directory == nil {
        let line = try await deleteTree(port: namenode.port, peakResidentKiB: namenode.peakResidentKiB)
        print(line)
        lines.append(line)
    }
    return lines
}

/// Deletes /bench in one recursive delete, as `rfs dfs -rm -r` does, and waits for the namenode
/// to purge it: when the delete was answered, when the root's counters (read as the superuser
/// the bench runs as) say only the root is left, and the namenode's peak memory by then.
func deleteTree(port: Int, peakResidentKiB: () -> Int) async throws -> String {
    let client = benchClient(ports: [port], callTimeout: .seconds(600))
    defer { Task { await client.close() } }
    let start = ContinuousClock.now
    var delete = Hadoop_Hdfs_DeleteRequestProto()
    delete.src = "/bench"
    delete.recursive = true
    let _: Hadoop_Hdfs_DeleteResponseProto = try await client.call("delete", delete, idempotent: false)
    let answered = (ContinuousClock.now - start).seconds
    var usage = Hadoop_Hdfs_GetQuotaUsageRequestProto()
    usage.path = "/"
    while true {
        let reply: Hadoop_Hdfs_GetQuotaUsageResponseProto = try await client.call("getQuotaUsage", usage, idempotent: true)
        if reply.usage.fileAndDirectoryCount <= 1 { break }
        guard (ContinuousClock.now - start).seconds < 3600 else { throw BenchError("the deleted tree was not purged within an hour") }
        try await Task.sleep(for: .milliseconds(200))
    }
    let purged = (ContinuousClock.now - start).seconds
    return "  rm -r /bench: answered in \(String(format: "%.2f", answered)) s, purged from the namespace after \(Int(purged)) s; namenode peak resident memory \(peakResidentKiB() / 1024) MiB"
}

func directorySizeBytes(_ path: String) -> Int {
    guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total = 0
    for case let file as String in enumerator {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + file)
        if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? Int) ?? 0 }
    }
    return total
}

/// Issue 5's figure: create rate of a 3-namenode Raft group (every edit on a majority's disk,
/// fsync on) at 1 and 64 clients, next to a single namenode measured in the same run on the
/// same disk. Measured twice: first with every process sharing this machine's cores (the
/// group's three members and the clients compete for two cores, as a real group never does),
/// then, where the machine allows cpu cgroups, with each namenode process and the clients held
/// to an equal CPU budget (a quarter of the machine each) in both setups, the nearest this
/// machine comes to a machine per member.
func runNamespaceHABench(quick: Bool, rfsBinary: String?) async throws -> [String] {
    let binary = try locateRFSBinary(rfsBinary)
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-nnhabench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let fsyncRate = measureFsyncRate(directory: NSTemporaryDirectory(), seconds: quick ? 0.3 : 1.0)
    var lines = ["namenode HA create: empty files (create + complete) over RPC; 3-member Raft group vs one namenode; fsync on; the clients' loops run SCHED_BATCH",
                 "baseline: one 200-byte write + fdatasync per call on the same disk: \(Int(fsyncRate)) fsyncs/s"]
    lines.append("shared cores: the members and the clients all share this machine's \(ProcessInfo.processInfo.activeProcessorCount) cores")
    lines += try await measureGroupAgainstSingle(binary: binary, root: root + "/shared", quick: quick, budgetCores: nil).lines
    // Three members and the clients: four equal shares of the machine. Rounds, as in the
    // single-namenode bench, and five of them: even measured in turns, a round's ratio moves
    // with the host's speed.
    let share = Double(ProcessInfo.processInfo.activeProcessorCount) / 4
    lines.append("a machine per member: each namenode process and the clients held to \(String(format: "%.2f", share)) core "
                 + "(cpu cgroup quota, \(CPUBudget.periodMicroseconds / 1000) ms period), the single namenode too")
    var ratios: [Double] = []
    do {
        for round in 1...(quick ? 1 : 5) {
            // Full-sized even with --quick: a few hundred files take less than one 100 ms quota
            // period, so the budget would never bite and the figure would be the unbudgeted one.
            let budgeted = try await measureGroupAgainstSingle(binary: binary, root: root + "/budget\(round)", quick: false, budgetCores: share)
            lines.append("  round \(round):")
            lines += budgeted.lines
            ratios.append(budgeted.ratioAt64)
        }
    } catch let error as BenchError {
        lines.append("  not measured: \(error.description)")
    }
    if !ratios.isEmpty {
        lines.append("  64 clients, group / single with a budget per member = \(String(format: "%.2f", ratios.sorted()[ratios.count / 2]))x, median of \(ratios.count) round(s) ("
                     + ratios.map { String(format: "%.2f", $0) }.joined(separator: ", ") + ")")
    }
    return lines
}

/// One measurement of the group against the single namenode, each at 1 and at 64 clients;
/// with `budgetCores`, every namenode process and this process (the clients) run in cpu
/// cgroups of that many cores each.
///
/// Both setups run side by side (the idle one costs nothing but its heartbeats), and the
/// 64-client figure is taken in alternating parts: single, group, group, single. On a shared
/// virtual machine the host's speed drifts within seconds; measured one after the other, the
/// two setups saw different hosts, and one round's ratio ranged from 0.49 to 0.96x. In this
/// order a steady drift weighs the same on both.
private func measureGroupAgainstSingle(binary: String, root: String, quick: Bool, budgetCores: Double?) async throws -> (lines: [String], ratioAt64: Double) {
    let totalFiles = quick ? 640 : 12_800
    let tag = "rfs-bench-\(getpid())"
    let setups = ["single", "raft3"]
    var budgets: [CPUBudget] = []
    // Before any is made: a failure making the second must still remove the first.
    defer {
        if let clients = budgets.first { clients.release(pid: getpid()) }
        for budget in budgets { budget.remove() }
    }
    if let cores = budgetCores {
        for name in ["clients", "single", "nn1", "nn2", "nn3"] { budgets.append(try CPUBudget(name: "\(tag)-\(name)", cores: cores)) }
        try budgets[0].add(pid: getpid())
    }
    // Each setup's namenodes, and the indexes of their budgets.
    var members: [String: [NamenodeProcess]] = [:]
    defer { for processes in members.values { for member in processes { member.stop() } } }
    members["single"] = [try NamenodeProcess(binary: binary, directory: root + "/single")]
    let groupPorts = try (0..<3).map { _ in try freePort() }
    var keys = ["dfs.nameservices=benchns", "dfs.ha.namenodes.benchns=nn1,nn2,nn3"]
    for (index, port) in groupPorts.enumerated() { keys.append("dfs.namenode.rpc-address.benchns.nn\(index + 1)=127.0.0.1:\(port)") }
    // One at a time into `members`, so that a member failing to start leaves the others
    // where the `defer` above stops them.
    for index in 0..<3 {
        let flags = (keys + ["dfs.ha.namenode.id=nn\(index + 1)"]).flatMap { ["-D", $0] }
        members["raft3", default: []].append(try NamenodeProcess(binary: binary, directory: root + "/nn\(index + 1)", port: groupPorts[index],
                                                                 extraFlags: flags, waitForPort: false))
    }
    for member in members["raft3"]! { try waitForPort(member.port, timeoutSeconds: 30) }
    let budgetIndexes = ["single": [1], "raft3": [2, 3, 4]]
    if !budgets.isEmpty {
        for setup in setups {
            for (member, index) in zip(members[setup]!, budgetIndexes[setup]!) { try budgets[index].add(pid: member.process.processIdentifier) }
        }
    }
    // One create first: it waits (failing over) until a member is active.
    for setup in setups { _ = try await createFiles(ports: members[setup]!.map(\.port), clients: 1, filesPerClient: 1, run: "\(setup)-warmup") }

    var files: [String: [Int: Int]] = [:]
    var seconds: [String: [Int: Double]] = [:]
    var memberCPU: [String: [Int: [Double]]] = [:]
    var clientCPU: [String: [Int: Double]] = [:]
    var throttled: [String: [Double]] = [:]
    var partRates: [String] = []
    // (setup, clients, files per client, part): one client alone, then 64 in four parts.
    let perClient64 = max(1, totalFiles / 2 / 64)
    let plan: [(String, Int, Int, Int)] = [("single", 1, totalFiles / 10, 0), ("raft3", 1, totalFiles / 10, 0)]
        + [("single", 1), ("raft3", 2), ("raft3", 3), ("single", 4)].map { ($0.0, 64, perClient64, $0.1) }
    for (setup, clients, perClient, part) in plan {
        let processes = members[setup]!
        let cpuBefore = processes.map { $0.cpuSeconds() }
        let clientCPUBefore = ownCPUSeconds()
        let throttledBefore = budgets.map { $0.throttledSeconds() }
        let run = "\(setup)-c\(clients)-\(part)"
        let mark = URL(fileURLWithPath: root).lastPathComponent + "-" + run
        markPart(mark, "start")
        let partRate = try await createFiles(ports: processes.map(\.port), clients: clients, filesPerClient: perClient, run: run)
        markPart(mark, "end")
        seconds[setup, default: [:]][clients, default: 0] += partRate > 0 ? Double(clients * perClient) / partRate : 0
        if clients > 1 { partRates.append("\(setup == "raft3" ? "group" : "single") \(Int(partRate))") }
        files[setup, default: [:]][clients, default: 0] += clients * perClient
        let used = zip(processes, cpuBefore).map { $0.cpuSeconds() - $1 }
        memberCPU[setup, default: [:]][clients] = zip(memberCPU[setup]?[clients] ?? Array(repeating: 0, count: used.count), used).map { $0 + $1 }
        clientCPU[setup, default: [:]][clients, default: 0] += ownCPUSeconds() - clientCPUBefore
        if !budgets.isEmpty {
            let held = zip(budgets, throttledBefore).map { $0.throttledSeconds() - $1 }
            // The clients' budget, then this setup's members'.
            let mine = [held[0]] + budgetIndexes[setup]!.map { held[$0] }
            throttled[setup] = zip(throttled[setup] ?? Array(repeating: 0, count: mine.count), mine).map { $0 + $1 }
        }
    }
    func rate(_ setup: String, _ clients: Int) -> Double {
        guard let time = seconds[setup]?[clients], time > 0 else { return 0 }
        return Double(files[setup]?[clients] ?? 0) / time
    }
    /// µs per edit (create and complete are one edit each) of each member, busiest first, and of the clients.
    func cpuPerEdit(_ setup: String, _ clients: Int) -> (members: [Double], client: Double)? {
        guard let used = memberCPU[setup]?[clients], let count = files[setup]?[clients], count > 0 else { return nil }
        let edits = Double(count * 2)
        return (used.map { $0 / edits * 1e6 }.sorted(by: >), (clientCPU[setup]?[clients] ?? 0) / edits * 1e6)
    }
    var lines: [String] = []
    for clients in [1, 64] {
        let single = rate("single", clients), group = rate("raft3", clients)
        lines.append("  \(clients) client(s): 3-member group \(Int(group)) files/s, single namenode \(Int(single)) files/s, "
                     + "ratio \(String(format: "%.2f", single > 0 ? group / single : 0))x"
                     + (clients > 1 ? " (measured in turns, files/s: \(partRates.joined(separator: ", ")))" : ""))
        for setup in ["raft3", "single"] {
            guard let (members, client) = cpuPerEdit(setup, clients) else { continue }
            let total = members.reduce(0, +) + client
            lines.append("      CPU per edit, \(setup == "raft3" ? "group " : "single"): namenodes "
                         + members.map { "\(Int($0))" }.joined(separator: " + ") + " µs, clients \(Int(client)) µs, total \(Int(total)) µs")
        }
        // Without budgets, two bounds on the ratio from those figures when CPU bounds both
        // rates (at 64 clients; one client waits on the disk and the network instead): here,
        // where everything shares the cores, the ratio of the totals; with a machine per
        // member (and the clients elsewhere), the single namenode's CPU per edit over the
        // busiest member's (the leader's), which the budgeted run then measures.
        if budgets.isEmpty, clients > 1, let (groupMembers, groupClient) = cpuPerEdit("raft3", clients),
           let (singleMembers, singleClient) = cpuPerEdit("single", clients), let busiest = groupMembers.first, busiest > 0,
           let single = singleMembers.first {
            let shared = (single + singleClient) / (groupMembers.reduce(0, +) + groupClient)
            lines.append("      CPU bound on the ratio: \(String(format: "%.2f", shared))x on this machine; "
                         + "\(String(format: "%.2f", single / busiest))x estimated with a machine per member")
        }
    }
    // How long each budget held its processes back while its setup ran: the busiest member's
    // budget, not its work, set the pace when its figure is near the time measured.
    for setup in setups {
        guard let held = throttled[setup], !held.isEmpty else { continue }
        lines.append("      throttled by the budgets, \(setup == "raft3" ? "group " : "single"): clients \(String(format: "%.1f", held[0])) s, namenodes "
                     + held.dropFirst().map { String(format: "%.1f", $0) }.joined(separator: ", ") + " s"
                     + " (of \(String(format: "%.1f", (seconds[setup]?[1] ?? 0) + (seconds[setup]?[64] ?? 0))) s measured)")
    }
    let single = rate("single", 64), group = rate("raft3", 64)
    return (lines, single > 0 ? group / single : 0)
}
