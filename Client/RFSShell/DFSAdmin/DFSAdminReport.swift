import RFSClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `-report [-live] [-dead] [-decommissioning]`: cluster figures, then each datanode, in
/// DFSAdmin's layout.
struct DFSAdminReport {
    let fs: FileSystem
    let output: any ShellOutput

    func run(_ arguments: [String]) async throws {
        let known: Set<String> = ["-live", "-dead", "-decommissioning", "-enteringmaintenance", "-inmaintenance", "-slownodes"]
        guard arguments.allSatisfy(known.contains) else { throw UsageError("") }
        let stats = try await fs.fsStats()
        let present = stats.usedBytes + stats.remainingBytes
        var lines = [
            "Configured Capacity: \(bytes(stats.capacityBytes))",
            "Present Capacity: \(bytes(present))",
            "DFS Remaining: \(bytes(stats.remainingBytes))",
            "DFS Used: \(bytes(stats.usedBytes))",
            "DFS Used%: \(SizeFormat.percentTwoDecimals(Double(stats.usedBytes) / Double(present)))",
            "Replicated Blocks:",
            "\tUnder replicated blocks: \(stats.underReplicatedBlocks)",
            "\tBlocks with corrupt replicas: \(stats.corruptBlocks)",
            "\tMissing blocks: \(stats.missingBlocks)",
            "\tMissing blocks (with replication factor 1): \(stats.missingReplicationOneBlocks)",
            "\tPending deletion blocks: \(stats.pendingDeletionBlocks)",
            "",
            "-------------------------------------------------",
        ]
        let all = arguments.isEmpty
        if all || arguments.contains("-live") { lines += try await section("Live", .live) }
        if all || arguments.contains("-dead") { lines += try await section("Dead", .dead) }
        if all || arguments.contains("-decommissioning") { lines += try await section("Decommissioning", .decommissioning) }
        for line in lines { output.printLine(line) }
    }

    func section(_ title: String, _ type: DatanodeReportType) async throws -> [String] {
        let nodes = try await fs.datanodeReport(type)
        var lines = ["\(title) datanodes (\(nodes.count)):", ""]
        for node in nodes { lines += describe(node) + [""] }
        return lines
    }

    func describe(_ node: DatanodeInfo) -> [String] {
        let used = Double(node.dfsUsedBytes), capacity = Double(node.capacityBytes)
        let status = switch node.adminState {
        case .normal: "Normal"
        case .decommissionInProgress: "Decommission in progress"
        case .decommissioned: "Decommissioned"
        case .enteringMaintenance: "Entering maintenance"
        case .inMaintenance: "In maintenance"
        }
        return [
            "Name: \(node.transferAddress) (\(node.hostName))",
            "Hostname: \(node.hostName)",
            "Decommission Status : \(status)",
            "Configured Capacity: \(bytes(node.capacityBytes))",
            "DFS Used: \(bytes(node.dfsUsedBytes))",
            "Non DFS Used: \(bytes(node.nonDfsUsedBytes))",
            "DFS Remaining: \(bytes(node.remainingBytes))",
            "DFS Used%: \(SizeFormat.percentTwoDecimals(used / capacity))",
            "DFS Remaining%: \(SizeFormat.percentTwoDecimals(Double(node.remainingBytes) / capacity))",
            "Configured Cache Capacity: \(bytes(node.cacheCapacityBytes))",
            "Cache Used: \(bytes(node.cacheUsedBytes))",
            "Cache Remaining: \(bytes(node.cacheCapacityBytes - node.cacheUsedBytes))",
            "Xceivers: \(node.xceiverCount)",
            "Last contact: \(javaDate(node.lastUpdateMs))",
            "Last Block Report: \(node.lastBlockReportMs == 0 ? "Never" : javaDate(node.lastBlockReportMs))",
            "Num of Blocks: \(node.blockCount)",
        ]
    }

    /// `123 (123 B)`, DFSAdmin's byte figures.
    func bytes(_ n: Int64) -> String { "\(n) (\(SizeFormat.byteDescription(n)))" }

    /// Java's `Date.toString()`: `Thu Nov 26 01:27:55 UTC 2026`, local time.
    func javaDate(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a %b %d %H:%M:%S %Z %Y", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
