import RFSBlockManagement
import RFSClient
import RFSHTTP
import RFSModel
import RFSNameNode
import RFSWebHDFS

/// The namenode's web UI: server-rendered pages that refresh themselves. The overview
/// (HDFS's dfshealth page), the datanodes, and a file browser that reads the namespace as
/// the anonymous web user (`dr.who`), as HDFS's browser does.
struct NameNodePages {
    static let navigation = [("Overview", "/"), ("Datanodes", "/datanodes"), ("Browse", "/explorer"),
                             ("Metrics", "/metrics"), ("JMX", "/jmx")]

    let state: NameNodeHTTPState

    var daemon: NameNodeDaemon { state.daemon }

    func overview() -> String {
        let stats = daemon.datanodes.clusterStats()
        let inodes = (try? daemon.namespaceTotals().inodes).map(String.init) ?? "?"
        let safeMode = daemon.isInSafeMode ? "<span class=\"warn\">ON</span>" : "<span class=\"ok\">off</span>"
        var body = HTMLPage.facts([
            ("Version", HTMLPage.escape("rfs \(RFSBuild.version)")),
            ("Namenode", HTMLPage.escape("\(state.localRPC.host):\(state.rpcPort)") + " " + Self.haState(daemon.ha.isActive)),
            ("Safe mode", safeMode),
            ("Capacity", HTMLPage.bytes(stats.capacityBytes)),
            ("Used by rfs", HTMLPage.bytes(stats.dfsUsedBytes)),
            ("Remaining", HTMLPage.bytes(stats.remainingBytes)),
            // What is not remaining, rfs's blocks and everything else on the disks.
            ("Capacity in use", HTMLPage.bar(used: stats.capacityBytes - stats.remainingBytes, total: stats.capacityBytes)),
            ("Files and directories", inodes),
            ("Blocks", "\(stats.blocks)"),
            ("Under-replicated blocks", Self.flag(stats.underReplicatedBlocks, warn: true)),
            ("Missing blocks", Self.flag(stats.missingBlocks, warn: false)),
            ("Corrupt blocks", Self.flag(stats.corruptBlocks, warn: false)),
            ("Live datanodes", "<span class=\"ok\">\(stats.liveDatanodes)</span>"),
            ("Dead datanodes", Self.flag(stats.deadDatanodes, warn: false)),
            ("Decommissioning datanodes", "\(stats.decommissioningDatanodes)"),
        ])
        body += "<h2>Namenodes</h2>"
        if let raft = daemon.raftView {
            body += "<p>Nameservice \(HTMLPage.escape(raft.nameservice)): Raft term \(raft.term), commit index \(raft.commitIndex), "
                + "applied here \(raft.appliedIndex), \(raft.leaderChanges) leader change(s) seen by this namenode.</p>"
            body += HTMLPage.table(headers: ["Namenode", "RPC address", "Web UI", "HA state", "Match index", "Lag (entries)"],
                                   rows: raft.members.map { member in
                [HTMLPage.escape(member.id) + (member.isSelf ? " (this one)" : ""), HTMLPage.escape("\(member.address)"),
                 webLink(member.id), Self.haState(member.isLeader), member.matchIndex.map(String.init) ?? "-", member.lag.map(String.init) ?? "-"]
            }, numericColumns: [4, 5])
            if !raft.isActive {
                // Only the leader tracks how far each follower has come.
                let active = raft.members.first(where: \.isLeader).map { webLink($0.id, text: "the active namenode's page") }
                body += "<p class=\"muted\">Match index and lag are known to the active namenode; see \(active ?? "the active namenode's page") for them.</p>"
            }
        } else {
            body += HTMLPage.table(headers: ["Namenode", "HA state", "Last applied edit"], rows: [[
                HTMLPage.escape("\(state.localRPC.host):\(state.rpcPort)"), Self.haState(true),
                "\(daemon.engine.lastAppliedIndex)",
            ]], numericColumns: [2])
        }
        body += "<h2>Recent operations</h2>"
        if let rates = state.operationRates.rates(), !rates.perMethod.isEmpty {
            let total = rates.perMethod.reduce(0) { $0 + $1.1 }
            body += "<p>\(Self.rate(total)) client and datanode calls per second over the last \(Int(rates.windowSeconds)) s.</p>"
            body += HTMLPage.table(headers: ["Method", "Calls/s"],
                                   rows: rates.perMethod.prefix(15).map { [HTMLPage.escape($0.0), Self.rate($0.1)] },
                                   numericColumns: [1])
        } else {
            body += "<p class=\"muted\">No calls in the last minute.</p>"
        }
        body += "<h2>Datanodes</h2>" + datanodeTable()
        return HTMLPage.render(title: "Cluster overview", navigation: Self.navigation, refreshSeconds: 5, body: body)
    }

    /// A link to a namenode's own web UI, from the nameservice's configured HTTP addresses.
    func webLink(_ id: String, text: String? = nil) -> String {
        guard let address = state.namenodeHTTPAddresses[id] else { return text.map(HTMLPage.escape) ?? "-" }
        let url = "http://\(address)/"
        return "<a href=\"\(HTMLPage.escape(url))\">\(HTMLPage.escape(text ?? "\(address)"))</a>"
    }

    func datanodes() -> String {
        HTMLPage.render(title: "Datanodes", navigation: Self.navigation, refreshSeconds: 5, body: datanodeTable())
    }

    func datanodeTable() -> String {
        let now = DatanodeProtocolService.wallClockMillis()
        let rows = daemon.datanodes.datanodeReport(kind: .all).map { node -> [String] in
            let identity = node.identity
            let state: String = switch (node.isAlive, node.adminState) {
            case (false, _): "<span class=\"bad\">dead</span>"
            case (true, .normal): "<span class=\"ok\">live</span>"
            case (true, .decommissionInProgress): "<span class=\"warn\">decommissioning</span>"
            case (true, .decommissioned): "<span class=\"muted\">decommissioned</span>"
            }
            let page = "http://\(identity.ipAddress):\(identity.infoPort)/"
            return [
                "<a href=\"\(HTMLPage.escape(page))\">\(HTMLPage.escape(identity.transferAddress))</a>",
                state,
                "\(max(0, (now - node.lastHeartbeatMillis) / 1000)) s",
                HTMLPage.bytes(node.stats.capacityBytes),
                HTMLPage.bytes(node.stats.dfsUsedBytes),
                HTMLPage.bytes(node.stats.remainingBytes),
                HTMLPage.bar(used: node.stats.capacityBytes - node.stats.remainingBytes, total: node.stats.capacityBytes),
                "\(node.blockCount)",
                "\(node.stats.failedVolumes)",
            ]
        }
        guard !rows.isEmpty else { return "<p class=\"warn\">No datanode has registered.</p>" }
        return HTMLPage.table(headers: ["Datanode", "State", "Last heartbeat", "Capacity", "Used", "Remaining", "Use", "Blocks", "Failed volumes"],
                              rows: rows, numericColumns: [2, 3, 4, 5, 7, 8])
    }

    /// A directory listing, or a file's blocks and where their replicas are.
    func explorer(path: String) async -> String {
        var body = breadcrumbs(path)
        do {
            let fileSystem = try state.clients.fileSystem(namenodes: [state.localRPC], user: WebHDFSRequest.anonymousUser)
            guard let status = try await fileSystem.fileStatus(path) else {
                body += "<p class=\"bad\">No such file or directory.</p>"
                return HTMLPage.render(title: "Browse", navigation: Self.navigation, refreshSeconds: nil, body: body)
            }
            if status.isDirectory {
                body += try await directory(path, fileSystem: fileSystem)
            } else {
                body += try await file(status, fileSystem: fileSystem)
            }
        } catch {
            body += "<p class=\"bad\">\(HTMLPage.escape(WebHDFSError.from(error).message))</p>"
        }
        return HTMLPage.render(title: "Browse \(path)", navigation: Self.navigation, refreshSeconds: nil, body: body)
    }

    func directory(_ path: String, fileSystem: FileSystem) async throws -> String {
        var rows: [[String]] = []
        for try await entry in try fileSystem.listing(path) {
            let link = "<a href=\"\(Self.explorerLink(entry.path))\">\(HTMLPage.escape(entry.name))\(entry.isDirectory ? "/" : "")</a>"
            rows.append([
                (entry.isDirectory ? "d" : "-") + entry.permission.description, HTMLPage.escape(entry.owner), HTMLPage.escape(entry.group),
                entry.isDirectory ? "" : HTMLPage.bytes(entry.length), entry.isDirectory ? "" : "\(entry.replication)",
                entry.isDirectory ? "" : HTMLPage.bytes(entry.blockSizeBytes), Self.date(entry.modificationTimeMs), link,
            ])
            if rows.count >= 1_000 { break }
        }
        guard !rows.isEmpty else { return "<p class=\"muted\">Empty directory.</p>" }
        return HTMLPage.table(headers: ["Permission", "Owner", "Group", "Size", "Replication", "Block size", "Modified", "Name"],
                              rows: rows, numericColumns: [3, 4, 5])
    }

    func file(_ status: FileStatus, fileSystem: FileSystem) async throws -> String {
        let download = WebHDFSRequest.prefix + WebHDFSRequest.percentEncodePath(status.path) + "?op=OPEN"
        var body = HTMLPage.facts([
            ("Size", HTMLPage.bytes(status.length) + " (\(status.length) bytes)"),
            ("Replication", "\(status.replication)"),
            ("Block size", HTMLPage.bytes(status.blockSizeBytes)),
            ("Owner", HTMLPage.escape("\(status.owner):\(status.group) \(status.permission)")),
            ("Modified", Self.date(status.modificationTimeMs)),
            ("Download", "<a href=\"\(HTMLPage.escape(download))\">\(HTMLPage.escape(status.name))</a>"),
        ])
        let blocks = try await fileSystem.blockLocations(status.path)
        body += "<h2>Blocks</h2>"
        body += HTMLPage.table(headers: ["Block", "Offset", "Length", "Replicas"], rows: blocks.map { block in
            ["blk_\(block.blockID)_\(block.generationStamp)" + (block.isCorrupt ? " <span class=\"bad\">corrupt</span>" : ""),
             "\(block.offset)", HTMLPage.bytes(block.lengthBytes),
             block.replicas.isEmpty ? "<span class=\"bad\">none</span>" : block.replicas.map { HTMLPage.escape($0.address) }.joined(separator: ", ")]
        }, numericColumns: [1, 2])
        return body
    }

    func breadcrumbs(_ path: String) -> String {
        var links = ["<a href=\"/explorer?path=/\">/</a>"]
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            links.append("<a href=\"\(Self.explorerLink(prefix))\">\(HTMLPage.escape(String(component)))</a>")
        }
        return "<p>" + links.joined(separator: " / ") + "</p>"
    }

    static func explorerLink(_ path: String) -> String {
        HTMLPage.escape("/explorer?path=" + WebHDFSRequest.percentEncodePath(path))
    }

    static func haState(_ active: Bool) -> String {
        active ? "<span class=\"ok\">active</span>" : "<span class=\"muted\">standby</span>"
    }

    static func flag(_ count: Int, warn: Bool) -> String {
        count == 0 ? "<span class=\"ok\">0</span>" : "<span class=\"\(warn ? "warn" : "bad")\">\(count)</span>"
    }

    static func rate(_ perSecond: Double) -> String {
        let hundredths = Int((perSecond * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// `2026-11-26 04:05 UTC` from epoch milliseconds, without Foundation's formatters.
    static func date(_ millis: Int64) -> String {
        let t = CivilTime.utc(millis: millis)
        return "\(t.year)-\(CivilTime.two(t.month))-\(CivilTime.two(t.day)) \(CivilTime.two(t.hour)):\(CivilTime.two(t.minute)) UTC"
    }
}
