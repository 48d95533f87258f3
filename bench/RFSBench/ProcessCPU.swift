import Foundation

/// CPU seconds (user + system) used by this process and every process below it (the
/// minicluster the bench started and its daemons), read from /proc: what a phase cost, apart
/// from whatever else the machine runs. Linux only; elsewhere nil.
enum ProcessCPU {
    static func treeSeconds() -> Double? {
        #if os(Linux)
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard ticks > 0 else { return nil }
        var total: UInt64 = 0
        var pending = [getpid()]
        var seen = Set<Int32>()
        while let pid = pending.popLast() {
            guard seen.insert(pid).inserted, let used = cpuTicks(of: pid) else { continue }
            total += used
            pending += children(of: pid)
        }
        return Double(total) / ticks
        #else
        return nil
        #endif
    }

    /// utime + stime of `pid` (fields 14 and 15 of /proc/<pid>/stat, after the parenthesized name).
    static func cpuTicks(of pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); utime is field 14, stime field 15.
        guard fields.count > 13, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }

    static func children(of pid: Int32) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task -> [Int32] in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }
}
