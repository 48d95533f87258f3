import ArgumentParser
import Foundation
import Logging
import NIOPosix
import RFSConfig
import RFSMetrics
import RFSNameNode
import RFSNameNodeHTTP
import Synchronization
import RFSDataNode

/// `rfs`: one binary for every daemon and command, as `hdfs` is for HDFS.
@main
struct RFSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfs",
        abstract: "rfs: an HDFS-compatible distributed filesystem.",
        version: RFSVersion.current,
        subcommands: [NameNodeCommand.self, DataNodeCommand.self, DFSCommand.self, DFSAdminCommand.self, HAAdminCommand.self, StoragePoliciesCommand.self, FsckCommand.self, DebugCommand.self,
                      MiniClusterCommand.self, VersionCommand.self, BenchCommand.self])
}

enum RFSVersion {
    static let current = RFSBuild.version
}

/// Options every daemon takes: a configuration file and Hadoop-style `-D key=value`.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: [.customShort("c"), .long, .customLong("conf", withSingleDash: true)],
            help: "Configuration file, Hadoop XML or rfs's key = value; repeatable (default: $RFS_CONF_DIR/rfs-site.conf). $HADOOP_CONF_DIR's core-site.xml and hdfs-site.xml are read first.")
    var conf: [String] = []

    @Option(name: [.customShort("D")], parsing: .unconditionalSingleValue, help: ArgumentHelp("Set a configuration key, e.g. -D dfs.replication=1.", valueName: "key=value"))
    var definitions: [String] = []

    func load() throws -> Configuration {
        do {
            return try Configuration.load(files: conf, environment: ProcessInfo.processInfo.environment, flags: definitions)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the rfs version.")

    func run() {
        print("rfs \(RFSVersion.current)")
    }
}

struct NameNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "namenode",
        abstract: "Run a namenode in the foreground until SIGTERM or SIGINT.")

    @OptionGroup var options: ConfigurationOptions

    @Flag(name: .customLong("format", withSingleDash: true), help: "Format dfs.namenode.name.dir and exit (a new start formats an empty directory by itself).")
    var format = false

    @Flag(name: .customLong("bootstrapStandby", withSingleDash: true),
          help: "Prepare an empty dfs.namenode.name.dir to join the running HA nameservice (its namespace identity and membership from the other namenodes) and exit; then start it and run 'rfs haadmin -addNamenode <id>'.")
    var bootstrapStandby = false

    @Flag(name: .customLong("force", withSingleDash: true), help: "With -format or -bootstrapStandby: erase an existing namespace first.")
    var force = false

    func run() async throws {
        let loaded = try options.load()
        if format { return try await formatAndExit(loaded) }
        ShutdownSignal.install()
        if bootstrapStandby {
            RFSLogging.bootstrap(nodeName: "namenode-bootstrap")
            do {
                try await BootstrapStandby.run(configuration: loaded, force: force, group: MultiThreadedEventLoopGroup.singleton,
                                               logger: Logger(label: "rfs.namenode"))
            } catch {
                FileHandle.standardError.write(Data("namenode: \(error)\n".utf8))
                throw ExitCode(1)
            }
            print("Bootstrapped \((try? loaded.get(Keys.namenodeNameDir)) ?? "the name directory") from the nameservice; start the namenode, then run 'rfs haadmin -addNamenode' on it.")
            return
        }
        // With HA, this member's suffixed addresses become the ones it binds.
        let configuration: Configuration
        let address: HostPort
        do {
            configuration = try HAMembership.resolvingAddresses(loaded, membership: try HAMembership.resolve(loaded))
            address = try configuration.get(Keys.namenodeRPCAddress)
        } catch { throw ValidationError("\(error)") }
        let name = (try? configuration.get(Keys.nodeName)).flatMap { $0.isEmpty ? nil : $0 } ?? "namenode:\(address.port)"
        RFSLogging.bootstrap(nodeName: name)
        RFSMetrics.bootstrap()
        let logger = Logger(label: "rfs.namenode")
        let superuser = Self.superuser()
        let loops: Int
        do { loops = NameNodeDaemon.rpcEventLoopCount(configured: try configuration.get(Keys.namenodeRPCEventLoops)) } catch {
            throw ValidationError("\(error)")
        }
        // Its own group, sized for the RPC server; the process's other users (the HTTP
        // server) keep the shared singleton.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        let daemon: NameNodeDaemon
        do {
            daemon = try await NameNodeDaemon.start(configuration: configuration, superuser: superuser,
                                                    group: group, logger: logger)
        } catch let error as ConfigError {
            try? await group.shutdownGracefully()
            throw ValidationError("\(error)")
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        let http: NameNodeHTTPServer
        do {
            http = try await NameNodeHTTPServer.start(configuration: configuration, daemon: daemon, logger: logger)
        } catch {
            try await daemon.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        logger.info("namenode started", metadata: ["rpc": "\(daemon.rpcServer.localAddress)", "http": "\(http.port)", "superuser": "\(superuser)",
                                                   "rpc-event-loops": "\(loops)"])
        let signal = await ShutdownSignal.wait()
        logger.info("namenode stopping", metadata: ["signal": "\(signal)"])
        await http.close()
        try await daemon.shutdown()
        try? await group.shutdownGracefully()
        logger.info("namenode stopped")
    }
}

extension NameNodeCommand {
    /// `rfs namenode -format`: refuses to erase an existing namespace without `-force`.
    func formatAndExit(_ configuration: Configuration) async throws {
        let directory: String
        do { directory = try configuration.get(Keys.namenodeNameDir) } catch { throw ValidationError("\(error)") }
        let existing = FileManager.default.fileExists(atPath: directory + "/namespace/CURRENT")
            || FileManager.default.fileExists(atPath: directory + "/wal")
        if existing {
            guard force else {
                FileHandle.standardError.write(Data("namenode: \(directory) holds a namespace; re-format it with -format -force (this erases every file)\n".utf8))
                throw ExitCode(1)
            }
            try FileManager.default.removeItem(atPath: directory)
        }
        RFSLogging.bootstrap(nodeName: "namenode-format")
        var overrides = configuration
        overrides.set("dfs.namenode.rpc-address", "127.0.0.1:0")
        let daemon = try await NameNodeDaemon.start(configuration: overrides, superuser: Self.superuser(),
                                                    group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "rfs.namenode"))
        try await daemon.shutdown()
        print("Storage directory \(directory) has been successfully formatted.")
    }

    static func superuser() -> String {
        ProcessInfo.processInfo.environment["HADOOP_USER_NAME"] ?? ProcessInfo.processInfo.userName
    }
}

/// The last graceful-stop signal received (0: none). Set from a C signal handler, which
/// may only touch lock-free state.
let receivedStopSignal = Atomic<Int32>(0)

/// Waits for SIGTERM or SIGINT, the graceful-stop signals. A plain signal handler records
/// the signal and a task polls for it: this works whatever else in the process (Foundation's
/// Process, libdispatch) does with signal masks and handlers.
enum ShutdownSignal {
    /// Records SIGTERM and SIGINT from now on instead of dying by them. A daemon calls it
    /// before it opens a port: a stop signal sent as soon as the port answers (a supervisor, a
    /// test) is then a clean stop once the daemon is up, not a kill mid-start.
    static func install() {
        for number in [SIGTERM, SIGINT] {
            signal(number) { received in receivedStopSignal.store(received, ordering: .relaxed) }
        }
    }

    static func wait() async -> String {
        install()
        while !Task.isCancelled {
            switch receivedStopSignal.load(ordering: .relaxed) {
            case SIGTERM: return "SIGTERM"
            case SIGINT: return "SIGINT"
            default: try? await Task.sleep(for: .milliseconds(100))
            }
        }
        return "cancelled"
    }
}
