import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RFSConfig
import RFSModel
import RFSProtocol
import RFSRPC
import SwiftProtobuf

/// An rfs (HDFS) filesystem as a client sees it: the namespace calls of HDFS's
/// `DistributedFileSystem` over ClientProtocol, with fail-over across the namenodes given and
/// retries with back-off for idempotent calls (both decided by `RPCClient`'s `RetryPolicy`).
///
/// Paths may be absolute (`/a/b`), relative to the working directory (`/user/<user>`), or
/// fully qualified (`hdfs://host:port/a/b`, the same authority as the filesystem's).
public final class FileSystem: Sendable {
    /// `hdfs://authority` of this filesystem.
    public let uri: FileSystemURI
    /// The user every call acts as.
    public let user: String
    /// Resolves user-typed paths against the working directory.
    public let paths: PathResolver
    /// The namenode RPC client; module-internal so the data streams can call addBlock, complete, ….
    let namenode: RPCClient
    /// The name this client holds leases under (HDFS: `DFSClient_NONMAPREDUCE_<random>_<thread>`).
    let clientName: String
    /// The umask applied to new files and directories (`fs.permissions.umask-mode`, 022).
    let umask: FsPermission
    /// New files' block size and replication when the client's configuration sets them.
    let configuredBlockSizeBytes: Int64?
    let configuredReplication: Int?
    /// The event loops every connection of this client runs on (namenode, datanodes).
    let group: EventLoopGroup
    /// How long a datanode may stay silent (dfs.client.socket-timeout): bounds the calls to a
    /// datanode's IPC port.
    let datanodeSocketTimeout: Duration
    /// Short-circuit reads of replicas on this host (off unless configured).
    let shortCircuit: ShortCircuitReads
    /// getServerDefaults is asked once per client, as DFSClient caches it.
    private let cachedServerDefaults = NIOLockedValueBox<ServerDefaults?>(nil)

    /// Connects to `uri` (`hdfs://host[:port]`, port 8020 when omitted, or `hdfs://<nameservice>`
    /// resolved through `dfs.ha.namenodes.<nameservice>` in `configuration`).
    public convenience init(uri text: String, user: String? = nil, configuration: Configuration = Configuration(),
                            environment: [String: String] = [:]) throws {
        let uri = try FileSystemURI(parsing: text)
        let endpoints = try configuration.namenodeEndpoints(forAuthority: uri.authority)
        try self.init(uri: uri, namenodes: endpoints.map(\.rpcAddress), user: user, configuration: configuration, environment: environment)
    }

    /// Connects to the namenodes given, tried in order (fail-over moves to the next on
    /// StandbyException or a refused connection). `uri` names the filesystem in qualified
    /// paths; it defaults to the first namenode's address.
    /// `realUser`: who connects when acting for `user` (a proxy user, as a WebHDFS gateway's
    /// `doas`); the namenode allows it only as its `hadoop.proxyuser.*` rules say.
    public init(uri: FileSystemURI? = nil, namenodes: [HostPort], user: String? = nil, realUser: String? = nil,
                configuration: Configuration = Configuration(), environment: [String: String] = [:],
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        guard let first = namenodes.first else {
            throw FileSystemError.invalidURI("\(uri?.description ?? "")", reason: "no namenode address given")
        }
        let user = user ?? CurrentUser.name(environment: environment)
        self.uri = uri ?? FileSystemURI(authority: first.description)
        self.user = user
        self.paths = PathResolver(authority: self.uri.authority, workingDirectory: "/user/\(user)")
        var rpc = RPCClientConfiguration(addresses: namenodes, user: user, protocolName: ProtocolNames.clientProtocol)
        rpc.realUser = realUser
        rpc.callTimeout = try configuration.get(Keys.rpcTimeout)
        rpc.connectTimeout = try configuration.get(Keys.connectTimeout)
        rpc.maxRetries = try configuration.get(Keys.clientRetriesMax)
        rpc.maxFailovers = try configuration.get(Keys.failoverMaxAttempts)
        rpc.backoffBase = try configuration.get(Keys.failoverSleepBase)
        rpc.backoffMax = try configuration.get(Keys.failoverSleepMax)
        rpc.maxFrameBytes = try configuration.get(Keys.rpcFrameBytesMax)
        // The namenode answers a call it has seen from its retry cache (HDFS's @AtMostOnce).
        rpc.serversHaveRetryCache = true
        if namenodes.count == 1 {
            // One namenode: nowhere to fail over to, so retry the connection as Hadoop's
            // non-HA client does (a fixed pause, a bounded count) rather than back off for minutes.
            rpc.maxFailovers = try configuration.get(Keys.connectRetriesMax)
            rpc.backoffBase = try configuration.get(Keys.connectRetryInterval)
            rpc.backoffMax = rpc.backoffBase
        }
        self.namenode = RPCClient(configuration: rpc, group: group, logger: Logger(label: "rfs.client"))
        self.group = group
        self.datanodeSocketTimeout = try configuration.get(Keys.socketTimeout)
        self.shortCircuit = try ShortCircuitReads(configuration: configuration)
        self.clientName = "DFSClient_NONMAPREDUCE_\(UInt32.random(in: 0...UInt32(Int32.max)))_1"
        self.umask = FsPermission(mode: UInt16(try configuration.get(Keys.umaskMode)))
        // A block size or replication the user set (file, environment or -D) wins over the
        // namenode's defaults for new files, as in Hadoop's client.
        self.configuredBlockSizeBytes = configuration.source(of: Keys.blockSize.name) == .defaultValue
            ? nil : Int64(try configuration.get(Keys.blockSize))
        self.configuredReplication = configuration.source(of: Keys.replication.name) == .defaultValue
            ? nil : try configuration.get(Keys.replication)
    }

    /// Closes the namenode connections.
    public func close() async {
        await namenode.close()
    }

    /// The absolute path `path` names (see `PathResolver`).
    public func resolve(_ path: String) throws(FileSystemError) -> String {
        try paths.resolve(path)
    }

    /// The filesystem defaults, asked of the namenode once and then cached.
    public func serverDefaults() async throws -> ServerDefaults {
        if let cached = cachedServerDefaults.withLockedValue({ $0 }) { return cached }
        let reply = try await call("getServerDefaults", Hadoop_Hdfs_GetServerDefaultsRequestProto(),
                                   returning: Hadoop_Hdfs_GetServerDefaultsResponseProto.self, idempotent: true)
        let defaults = ServerDefaults(reply.serverDefaults)
        cachedServerDefaults.withLockedValue { $0 = defaults }
        return defaults
    }

    /// One ClientProtocol call; an error answer becomes a `RemoteException`.
    func call<Request: Message, Response: Message>(
        _ method: String, _ request: Request, returning: Response.Type, idempotent: Bool
    ) async throws -> Response {
        do {
            return try await namenode.call(method, request, returning: Response.self, idempotent: idempotent)
        } catch let remote as RPCRemoteException {
            throw RemoteException(remote)
        } catch RPCClientError.connectFailed(let address, let reason) {
            throw FileSystemError.cannotConnect(address: address, reason: reason)
        }
    }
}
