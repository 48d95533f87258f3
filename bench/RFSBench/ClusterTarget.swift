import Foundation
import RFSConfig
import RFSModel

/// The cluster a run measures: how to reach its namenodes over RPC (one, or an HA
/// nameservice's list in the order the configuration gives) and their HTTP ports for /metrics.
public struct ClusterTarget: Sendable {
    /// `hdfs://host:port` or `hdfs://<nameservice>`.
    public var uri: String
    public var configuration: Configuration
    public var namenodes: [HostPort]
    /// Namenode HTTP addresses; /metrics there gives the WAL's appends and fsyncs. Empty when
    /// unknown (entries per fsync are then not reported).
    public var metrics: [HostPort]
    public var user: String

    public init(uri: String, configuration: Configuration, namenodes: [HostPort], metrics: [HostPort], user: String) {
        self.uri = uri
        self.configuration = configuration
        self.namenodes = namenodes
        self.metrics = metrics
        self.user = user
    }

    /// Resolves `uri` through `configuration` (an HA nameservice through `dfs.nameservices`
    /// and `dfs.ha.namenodes.<ns>`), and finds each namenode's HTTP address:
    /// `dfs.namenode.http-address.<ns>.<id>` for a nameservice, `dfs.namenode.http-address`
    /// otherwise, unless `metrics` names them.
    public static func resolve(uri: String, configuration: Configuration, metrics: [HostPort]?, user: String) throws -> ClusterTarget {
        guard uri.hasPrefix("hdfs://") else { throw BenchUsageError("-fs takes hdfs://host:port or hdfs://<nameservice>, not \(uri)") }
        let authority = String(uri.dropFirst("hdfs://".count).prefix { $0 != "/" })
        let endpoints: [NamenodeEndpoint]
        do { endpoints = try configuration.namenodeEndpoints(forAuthority: authority) } catch { throw BenchUsageError("\(error)") }
        var http = metrics ?? []
        if metrics == nil {
            let services = (try? configuration.get(Keys.nameservices)) ?? []
            if services.contains(authority) {
                http = endpoints.compactMap { configuration.raw("dfs.namenode.http-address.\(authority).\($0.id)").flatMap(HostPort.init(parsing:)) }
            } else if let raw = configuration.raw(Keys.namenodeHTTPAddress.name), let address = HostPort(parsing: raw) {
                http = [address]
            }
        }
        return ClusterTarget(uri: "hdfs://\(authority)", configuration: configuration, namenodes: endpoints.map(\.rpcAddress),
                             metrics: http, user: user)
    }
}

/// The namenode WAL's counters as /metrics shows them (read at scrape time, so they are current).
public struct WALCounters: Sendable, Equatable {
    /// Records (edits) written: a Raft member appends several in one call.
    public var appends: Double
    public var fsyncs: Double

    /// Entries per fsync between two readings; nil when no fsync happened in between.
    public func entriesPerFsync(since earlier: WALCounters) -> Double? {
        let fsyncs = self.fsyncs - earlier.fsyncs
        guard fsyncs > 0 else { return nil }
        return (appends - earlier.appends) / fsyncs
    }

    /// Reads `rfs_wal_records_total` (or, from a namenode that does not export it,
    /// `rfs_wal_appends_total`) and `rfs_wal_fsyncs_total` from Prometheus exposition text.
    public static func parse(_ exposition: String) -> WALCounters? {
        var appends: Double?
        var records: Double?
        var fsyncs: Double?
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let value = Double(parts[1]) else { continue }
            let name = parts[0].prefix { $0 != "{" }
            if name == "rfs_wal_appends_total" { appends = value }
            if name == "rfs_wal_records_total" { records = value }
            if name == "rfs_wal_fsyncs_total" { fsyncs = value }
        }
        guard let written = records ?? appends, let fsyncs else { return nil }
        return WALCounters(appends: written, fsyncs: fsyncs)
    }

    /// Scrapes every namenode given and keeps the busiest WAL's counters (the active namenode's;
    /// with Raft, the leader's log). nil when none answers.
    static func scrape(_ addresses: [HostPort]) async -> [HostPort: WALCounters] {
        var readings: [HostPort: WALCounters] = [:]
        for address in addresses {
            guard let connection = try? await HTTPConnection.connect(host: address.host, port: address.port) else { continue }
            if let response = try? await connection.request(.GET, "/metrics"), response.status == 200,
               let counters = parse(response.text) {
                readings[address] = counters
            }
            await connection.close()
        }
        return readings
    }

    /// Entries per fsync on the namenode whose WAL grew most between the readings.
    static func busiestRatio(before: [HostPort: WALCounters], after: [HostPort: WALCounters]) -> Double? {
        var best: (grown: Double, ratio: Double?)?
        for (address, now) in after {
            guard let then = before[address] else { continue }
            let grown = now.appends - then.appends
            if grown > (best?.grown ?? 0) { best = (grown, now.entriesPerFsync(since: then)) }
        }
        return best?.ratio
    }
}
