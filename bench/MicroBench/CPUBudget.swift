#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A fixed share of the machine's CPU for a set of processes: a Linux cpu cgroup with a CFS
/// quota (cgroup v1's `cpu.cfs_quota_us`, or v2's `cpu.max`).
///
/// Why the benches want it: a Raft group's members each have a machine of their own in
/// production, but here they share two cores with each other and with the load generator, so
/// the group's rate measures how much CPU the three members add up to, not how fast the group
/// is. Giving every namenode process (and the clients) the same budget, in the single-namenode
/// run and in the group run alike, is the nearest this machine comes to "a machine per member":
/// each member gets what it would own, and no more.
final class CPUBudget {
    let cores: Double
    private let directory: String
    private let parentProcs: String

    /// The period of the quota. Not shorter than the default 100 ms: the kernel hands a
    /// cgroup's quota to each CPU in slices (`sched_cfs_bandwidth_slice_us`, 5 ms), so with a
    /// quota of a few slices one core's threads take it all and another core's runnable threads
    /// stall with quota left unspent. RFS_BENCH_BUDGET_PERIOD_MS overrides it, to compare.
    static let periodMicroseconds = (ProcessInfo.processInfo.environment["RFS_BENCH_BUDGET_PERIOD_MS"].flatMap(Int.init) ?? 100) * 1000

    /// Creates the cgroup, or says why this machine cannot (no writable cpu controller).
    init(name: String, cores: Double) throws {
        self.cores = cores
        let quota = Int(Double(Self.periodMicroseconds) * cores)
        let fileManager = FileManager.default
        if fileManager.isWritableFile(atPath: "/sys/fs/cgroup/cpu/cgroup.procs") {
            // cgroup v1, the cpu hierarchy mounted on its own; the budget goes below the group
            // this process is in, and the process returns there.
            let own = "/sys/fs/cgroup/cpu" + Self.ownGroup(controller: "cpu")
            directory = own + "/\(name)"
            parentProcs = own + "/cgroup.procs"
            try Self.makeDirectory(directory)
            try Self.write("\(Self.periodMicroseconds)", to: directory + "/cpu.cfs_period_us")
            try Self.write("\(quota)", to: directory + "/cpu.cfs_quota_us")
        } else if let controllers = try? String(contentsOfFile: "/sys/fs/cgroup/cgroup.controllers", encoding: .utf8),
                  controllers.split(separator: " ").contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "cpu" }) {
            // cgroup v2: the cpu controller must be enabled for the root's children.
            let own = "/sys/fs/cgroup" + Self.ownGroup(controller: "")
            directory = own + "/\(name)"
            parentProcs = own + "/cgroup.procs"
            try? Self.write("+cpu", to: own + "/cgroup.subtree_control")
            try Self.makeDirectory(directory)
            try Self.write("\(quota) \(Self.periodMicroseconds)", to: directory + "/cpu.max")
        } else {
            throw BenchError("no writable cpu cgroup controller (neither /sys/fs/cgroup/cpu nor cgroup v2 with cpu)")
        }
    }

    /// Moves a whole process (all its threads) into the budget.
    func add(pid: Int32) throws {
        try Self.write("\(pid)", to: directory + "/cgroup.procs")
    }

    /// This process's group in the hierarchy of `controller` ("" for cgroup v2's unified one),
    /// from /proc/self/cgroup ("" for the root).
    private static func ownGroup(controller: String) -> String {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return "" }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",").map(String.init)
            if controller.isEmpty ? fields[1].isEmpty : controllers.contains(controller) {
                return fields[2] == "/" ? "" : String(fields[2])
            }
        }
        return ""
    }

    /// Moves a process back to the group it came from (a process that has exited is gone).
    func release(pid: Int32) {
        try? Self.write("\(pid)", to: parentProcs)
    }

    /// Removes the cgroup; every process in it must have left or exited.
    func remove() {
        rmdir(directory)
    }

    /// CPU seconds the processes in the budget had to wait because it was spent (v1's
    /// throttled_time, v2's throttled_usec): how often the quota, not the work, set the pace.
    func throttledSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: directory + "/cpu.stat", encoding: .utf8) else { return 0 }
        for line in stat.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            if parts[0] == "throttled_time" { return value / 1e9 }
            if parts[0] == "throttled_usec" { return value / 1e6 }
        }
        return 0
    }

    private static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw BenchError("cannot create the cgroup \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func write(_ value: String, to path: String) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw BenchError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = value.withCString { Glibc.write(fd, $0, strlen($0)) }
        guard written >= 0 else { throw BenchError("cannot write '\(value)' to \(path): \(String(cString: strerror(errno)))") }
    }
}
