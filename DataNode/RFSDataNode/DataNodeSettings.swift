import NIOCore
import RFSConfig
import RFSModel

/// The datanode's settings, read and checked once at start.
struct DataNodeSettings {
    var dataDirectories: [String]
    var transferAddress: HostPort
    var infoPort: Int
    var ipcAddress: HostPort
    /// What the datanode calls itself in registrations and pipelines.
    var advertisedHost: String
    var namenodes: [HostPort]
    var heartbeatInterval: Duration
    var blockReportInterval: Duration
    var reservedBytes: Int64
    var socketTimeout: TimeAmount
    var rpcTimeout: Duration
    var ioThreads: Int
    var scannerBytesPerSecond: Int
    var scanPeriod: Duration
    /// `dfs.domain.socket.path` as configured (`_PORT` not yet replaced); empty: no socket.
    var domainSocketPathTemplate: String

    init(_ configuration: Configuration) throws {
        dataDirectories = try configuration.get(Keys.datanodeDataDirs)
        transferAddress = try configuration.get(Keys.datanodeAddress)
        infoPort = try configuration.get(Keys.datanodeHTTPAddress).port
        ipcAddress = try configuration.get(Keys.datanodeIPCAddress)
        let hostname = try configuration.get(Keys.datanodeHostname)
        advertisedHost = hostname.isEmpty ? transferAddress.host : hostname
        let defaultFS = try configuration.get(Keys.defaultFS)
        let authority = Self.authority(of: defaultFS)
        namenodes = try configuration.namenodeEndpoints(forAuthority: authority).map(\.rpcAddress)
        heartbeatInterval = try configuration.get(Keys.heartbeatInterval)
        blockReportInterval = try configuration.get(Keys.blockReportInterval)
        reservedBytes = Int64(try configuration.get(Keys.datanodeReservedBytes))
        socketTimeout = .nanoseconds(try configuration.get(Keys.socketTimeout).wholeNanoseconds)
        rpcTimeout = try configuration.get(Keys.rpcTimeout)
        ioThreads = try configuration.get(Keys.datanodeIOThreads)
        scannerBytesPerSecond = try configuration.get(Keys.scannerBytesPerSecond)
        scanPeriod = try configuration.get(Keys.scanPeriod)
        domainSocketPathTemplate = try configuration.get(Keys.domainSocketPath)
    }

    /// `hdfs://host:port/…` → `host:port`.
    static func authority(of uri: String) -> String {
        var rest = Substring(uri)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        return String(rest.prefix { $0 != "/" })
    }
}
