import ArgumentParser
import Foundation
import Logging
import NIOPosix
import RFSConfig
import RFSMetrics
import RFSModel
import RFSProtocol
import RFSRPC

/// `rfs minicluster`: namenodes and datanodes on this machine, each its own `rfs` process, all
/// data under one directory. By default three namenodes form an HA nameservice (one Raft group:
/// the leader is active, the others standbys), the first on HDFS's default port and the others
/// on the ports after it; `--namenodes 1` runs a single namenode that `hdfs://127.0.0.1:8020`
/// reaches directly. Ctrl-C (or SIGTERM) stops them all cleanly.
struct MiniClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minicluster",
        abstract: "Run namenodes and datanodes on this machine in the foreground (Ctrl-C stops them all).")

    @Option(name: .long, help: "Number of namenodes: 1, or 3 or 5 for an HA nameservice (a Raft group).")
    var namenodes = 3

    @Option(name: .long, help: "Name of the HA nameservice (fs.defaultFS is hdfs://<name>).")
    var nameservice = "rfscluster"

    @Option(name: [.customShort("d"), .long], help: "Directory for every daemon's data, logs and the client configuration.")
    var dir = "run"

    @Option(name: .long, help: "Number of datanodes.")
    var datanodes = 3

    @Option(name: .long, help: "The first namenode's RPC port; other namenodes take the ports after it.")
    var port = HDFSDefaults.namenodeRPCPort

    @Option(name: .long, help: "The first namenode's HTTP port (WebHDFS, the web UI, /metrics), the others after it; datanodes take free ports.")
    var httpPort = HDFSDefaults.namenodeHTTPPort

    @Option(name: .long, help: "Address the daemons bind and advertise.")
    var host = "127.0.0.1"

    @Option(name: [.customShort("D")], parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A configuration key for every daemon, e.g. -D dfs.heartbeat.interval=1s.", valueName: "key=value"))
    var definitions: [String] = []

    func validate() throws {
        guard (1...64).contains(datanodes) else { throw ValidationError("--datanodes must be in 1...64") }
        guard [1, 3, 5].contains(namenodes) else { throw ValidationError("--namenodes must be 1, 3 or 5") }
        guard (1...65_535 - namenodes).contains(port) else { throw ValidationError("--port must be in 1...\(65_535 - namenodes)") }
        guard !nameservice.isEmpty, !nameservice.contains(":"), !nameservice.contains("/") else {
            throw ValidationError("--nameservice must be a plain name")
        }
    }

    /// The namenodes of this cluster: ids nn1…, RPC and HTTP ports counting up from the first.
    var namenodeEndpoints: [(id: String, rpc: HostPort, http: HostPort)] {
        (0..<namenodes).map { index in
            ("nn\(index + 1)", HostPort(host: host, port: port + index), HostPort(host: host, port: httpPort + index))
        }
    }

    /// The keys that name the HA nameservice, for every daemon and client (none for one namenode).
    var haKeys: [(String, String)] {
        guard namenodes > 1 else { return [] }
        var keys = [("dfs.nameservices", nameservice),
                    ("dfs.ha.namenodes.\(nameservice)", namenodeEndpoints.map(\.id).joined(separator: ","))]
        for endpoint in namenodeEndpoints {
            keys.append(("dfs.namenode.rpc-address.\(nameservice).\(endpoint.id)", "\(endpoint.rpc)"))
            keys.append(("dfs.namenode.http-address.\(nameservice).\(endpoint.id)", "\(endpoint.http)"))
        }
        keys.append(("dfs.client.failover.proxy.provider.\(nameservice)",
                     "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider"))
        return keys
    }

    func run() async throws {
        RFSLogging.bootstrap(nodeName: "minicluster")
        ShutdownSignal.install()
        let root = URL(fileURLWithPath: dir).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: root + "/logs", withIntermediateDirectories: true)
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let socketPath = try Self.domainSocketPath(root: root)
        let defaultFS = namenodes > 1 ? "hdfs://\(nameservice)" : "hdfs://\(host):\(port)"
        let common = definitions.flatMap { ["-D", $0] } + ["-D", "fs.defaultFS=\(defaultFS)"]
            + haKeys.flatMap { ["-D", "\($0.0)=\($0.1)"] }

        for endpoint in namenodeEndpoints {
            for (address, option) in [(endpoint.rpc, "--port"), (endpoint.http, "--http-port")]
            where LoopbackPort.isListening(port: address.port, host: address.host) {
                throw ValidationError("\(address) is in use by another process; stop it or pick another \(option)")
            }
        }
        var children: [ChildProcess] = []
        func stopAll() {
            for child in children.reversed() { child.terminate() }
            for child in children.reversed() { child.wait(seconds: 15) }
        }
        do {
            for endpoint in namenodeEndpoints {
                let name = namenodes > 1 ? "namenode-\(endpoint.id)" : "namenode"
                var arguments = ["namenode"] + common + [
                    "-D", "dfs.namenode.rpc-address=\(endpoint.rpc)", "-D", "dfs.namenode.name.dir=\(root)/\(namenodes > 1 ? "name-\(endpoint.id)" : "name")",
                    "-D", "dfs.namenode.http-address=\(endpoint.http)", "-D", "rfs.node.name=\(name)",
                ]
                if namenodes > 1 { arguments += ["-D", "dfs.ha.namenode.id=\(endpoint.id)"] }
                children.append(try ChildProcess(executable: executable, arguments: arguments, log: "\(root)/logs/\(name).log"))
            }
            for (endpoint, child) in zip(namenodeEndpoints, children) {
                try await Self.waitForPort(host: endpoint.rpc.host, port: endpoint.rpc.port, child: child)
            }
            for index in 1...datanodes {
                children.append(try ChildProcess(executable: executable, arguments: ["datanode"] + common + [
                    "-D", "dfs.datanode.address=\(host):0", "-D", "dfs.datanode.ipc.address=\(host):0",
                    "-D", "dfs.datanode.data.dir=\(root)/data\(index)",
                    "-D", "dfs.datanode.http.address=\(host):0",
                    "-D", "dfs.domain.socket.path=\(socketPath)",
                    "-D", "rfs.node.name=datanode\(index)",
                ], log: "\(root)/logs/datanode\(index).log"))
            }
            try await Self.waitForDatanodes(addresses: namenodeEndpoints.map(\.rpc), count: datanodes, children: children)
            try ClientConfiguration.write(to: root + "/etc", defaultFS: defaultFS, replication: min(3, datanodes), haKeys: haKeys,
                                          domainSocketPath: socketPath)
        } catch {
            stopAll()
            throw error
        }
        let first = namenodeEndpoints[0]
        let namenodeLines = namenodes == 1 ? "  namenode RPC   \(defaultFS)" : namenodeEndpoints.map { endpoint in
            "  namenode \(endpoint.id)   RPC \(endpoint.rpc)   web UI http://\(endpoint.http)/"
        }.joined(separator: "\n") + "\n  nameservice    \(defaultFS) (HA: the active one is elected; rfs haadmin -getAllServiceState)"
        let hdfsNative = namenodes == 1 ? "hdfs_native.Client(\"\(defaultFS)\")"
            : "hdfs_native.Client(\"\(defaultFS)\", config={...the dfs.* keys of \(root)/etc/rfs-site.conf})"
        print("""
            rfs minicluster is up: \(namenodes) namenode\(namenodes == 1 ? "" : "s"), \(datanodes) datanodes, data and logs under \(root)
            \(namenodeLines)
              web UI         http://\(first.http)/   (/metrics, /jmx)
              WebHDFS        webhdfs://\(first.http)  (curl 'http://\(first.http)/webhdfs/v1/?op=LISTSTATUS')
              rfs            rfs dfs -conf \(root)/etc/rfs-site.conf -ls /
              Hadoop FsShell java -cp '\(root)/etc/hadoop:<pyspark>/jars/*' org.apache.hadoop.fs.FsShell -ls /
              hdfs-native    \(hdfsNative)
            Ctrl-C stops every daemon.
            """)
        fflush(nil)
        let signal = await Self.waitForStopOrChildExit(children)
        print("rfs minicluster stopping (\(signal))")
        fflush(nil)
        stopAll()
        print("rfs minicluster stopped")
    }

    /// Where the datanodes' short-circuit sockets live: `<dir>/sockets/dn._PORT` (each datanode
    /// puts its transfer port in place of `_PORT`, as HDFS does), or a directory under /tmp
    /// when `<dir>` is too deep for a socket address (108 bytes).
    static func domainSocketPath(root: String) throws -> String {
        var directory = root + "/sockets"
        if directory.utf8.count + "/dn.65535".utf8.count >= 100 {
            let digest = root.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
            directory = "/tmp/rfs-sockets-\(String(digest, radix: 16))"
        }
        // Not world-writable: HDFS's DomainSocket refuses a socket in such a directory.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return directory + "/dn._PORT"
    }

    static func waitForPort(host: String, port: Int, child: ChildProcess) async throws {
        for _ in 0..<400 {
            guard child.isRunning else { throw ValidationError("the namenode exited; see \(child.log)") }
            if LoopbackPort.isListening(port: port, host: host) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ValidationError("the namenode did not listen on \(host):\(port) within 20 s; see \(child.log)")
    }

    /// Asks the (active) namenode until it reports `count` live datanodes.
    static func waitForDatanodes(addresses: [HostPort], count: Int, children: [ChildProcess]) async throws {
        var configuration = RPCClientConfiguration(addresses: addresses, user: "minicluster",
                                                   protocolName: ProtocolNames.clientProtocol)
        configuration.maxRetries = 0
        configuration.maxFailovers = addresses.count - 1
        // Standbys answer with StandbyException until an active is elected: not worth a line each.
        var quiet = Logger(label: "rfs.minicluster")
        quiet.logLevel = .warning
        let client = RPCClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, logger: quiet)
        var request = Hadoop_Hdfs_GetDatanodeReportRequestProto()
        request.type = .live
        for _ in 0..<600 {
            if let dead = children.first(where: { !$0.isRunning }) {
                throw ValidationError("a daemon exited while the cluster started; see \(dead.log)")
            }
            if let report = try? await client.call("getDatanodeReport", request, returning: Hadoop_Hdfs_GetDatanodeReportResponseProto.self, idempotent: true),
               report.di.count >= count {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("only some datanodes registered within 60 s; see the logs")
    }

    static func waitForStopOrChildExit(_ children: [ChildProcess]) async -> String {
        await withTaskGroup(of: String.self) { group in
            group.addTask { await ShutdownSignal.wait() }
            group.addTask {
                while !Task.isCancelled {
                    if let dead = children.first(where: { !$0.isRunning }) { return "a daemon exited: see \(dead.log)" }
                    try? await Task.sleep(for: .milliseconds(500))
                }
                return "cancelled"
            }
            let first = await group.next() ?? "stop"
            group.cancelAll()
            return first
        }
    }
}

/// One daemon of the mini-cluster, with its output in a log file.
final class ChildProcess: @unchecked Sendable {
    // `Process` is thread-safe for the calls used here (isRunning, terminate, waitUntilExit).
    let process = Process()
    let log: String

    init(executable: String, arguments: [String], log: String) throws {
        self.log = log
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
    }

    func wait(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The files a client needs to reach the mini-cluster: Hadoop's XML for FsShell, Spark and
/// libhdfs users, and the rfs equivalent.
enum ClientConfiguration {
    /// Short-circuit local reads are on, through the datanodes' `domainSocketPath`, as on a
    /// typical one-host HDFS deployment. Hadoop's Java client without libhadoop (the pyspark
    /// jars) logs that it cannot use them and reads over TCP.
    static func write(to directory: String, defaultFS: String, replication: Int, haKeys: [(String, String)], domainSocketPath: String) throws {
        let shortCircuitKeys = [("dfs.client.read.shortcircuit", "true"), ("dfs.domain.socket.path", domainSocketPath)]
        try FileManager.default.createDirectory(atPath: directory + "/hadoop", withIntermediateDirectories: true)
        let core = """
            <?xml version="1.0"?>
            <configuration>
              <property><name>fs.defaultFS</name><value>\(defaultFS)</value></property>
            </configuration>

            """
        let hdfs = """
            <?xml version="1.0"?>
            <configuration>
              <property><name>dfs.replication</name><value>\(replication)</value></property>
              <property><name>dfs.client.use.datanode.hostname</name><value>false</value></property>
            \((shortCircuitKeys + haKeys).map { "  <property><name>\($0.0)</name><value>\($0.1)</value></property>\n" }.joined())</configuration>

            """
        let rfs = "# written by rfs minicluster\nfs.defaultFS = \(defaultFS)\ndfs.replication = \(replication)\n"
            + (shortCircuitKeys + haKeys).map { "\($0.0) = \($0.1)\n" }.joined()
        try Data(core.utf8).write(to: URL(fileURLWithPath: directory + "/hadoop/core-site.xml"))
        try Data(hdfs.utf8).write(to: URL(fileURLWithPath: directory + "/hadoop/hdfs-site.xml"))
        try Data(rfs.utf8).write(to: URL(fileURLWithPath: directory + "/rfs-site.conf"))
    }
}
