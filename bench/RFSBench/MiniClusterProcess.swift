import Foundation
import RFSConfig
import RFSModel

/// The cluster `rfs bench all` starts for itself: `rfs minicluster` as a child process (each
/// daemon its own process, so the load generator's CPU is not the namenode's and a profiler
/// can attach to one daemon), on free ports under the run's directory.
///
/// HA hook: `--namenodes N` goes to an `rfs minicluster` that knows the option; the bench then
/// reads the client configuration the minicluster writes (`<dir>/etc/rfs-site.conf`:
/// `fs.defaultFS` naming the nameservice, `dfs.ha.namenodes.<ns>`, each namenode's RPC and HTTP
/// address), exactly as it does for `-fs hdfs://<nameservice> -conf <file>`.
public final class MiniClusterProcess: Sendable {
    let child: BenchChildProcess
    public let directory: String
    public let target: ClusterTarget

    private init(child: BenchChildProcess, directory: String, target: ClusterTarget) {
        self.child = child
        self.directory = directory
        self.target = target
    }

    public var pid: Int32 { child.pid }

    public static func start(rfsBinary: String, directory: String, datanodes: Int, namenodes: Int, user: String) async throws -> MiniClusterProcess {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = try freePort()
        let httpPort = try freePort()
        var arguments = ["minicluster", "-d", directory, "--datanodes", "\(datanodes)", "--port", "\(port)", "--http-port", "\(httpPort)"]
        // A minicluster that knows --namenodes (the HA one, which defaults to 3) is always told
        // how many; one that does not can only run a single namenode.
        if try supportsNamenodesOption(rfsBinary: rfsBinary) {
            arguments += ["--namenodes", "\(namenodes)"]
        } else if namenodes > 1 {
            throw BenchError("this rfs minicluster runs one namenode only (no --namenodes option); -namenodes \(namenodes) needs the HA minicluster")
        }
        let log = directory + "/minicluster.out"
        let child = try BenchChildProcess(executable: rfsBinary, arguments: arguments, log: log)
        for _ in 0..<1200 {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("is up") { break }
            guard child.isRunning else {
                throw BenchError("rfs minicluster exited at start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard child.isRunning, (try? String(contentsOfFile: log, encoding: .utf8))?.contains("is up") == true else {
            child.terminate()
            child.wait(seconds: 20)
            throw BenchError("rfs minicluster did not come up within 120 s; see \(log)")
        }
        let configuration: Configuration
        do {
            configuration = try Configuration.load(file: directory + "/etc/rfs-site.conf", environment: [:], flags: [])
        } catch {
            throw BenchError("cannot read the minicluster's client configuration: \(error)")
        }
        let uri = (try? configuration.get(Keys.defaultFS)) ?? "hdfs://127.0.0.1:\(port)"
        let metrics = namenodes > 1 ? nil : [HostPort(host: "127.0.0.1", port: httpPort)]
        let target = try ClusterTarget.resolve(uri: uri, configuration: configuration, metrics: metrics, user: user)
        let cluster = MiniClusterProcess(child: child, directory: directory, target: target)
        cluster.watch()
        return cluster
    }

    /// Whether `rfs minicluster --help` lists `--namenodes`.
    static func supportsNamenodesOption(rfsBinary: String) throws -> Bool {
        let help = Process()
        help.executableURL = URL(fileURLWithPath: rfsBinary)
        help.arguments = ["minicluster", "--help"]
        let pipe = Pipe()
        help.standardOutput = pipe
        help.standardError = pipe
        try help.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        help.waitUntilExit()
        return text.contains("--namenodes")
    }

    /// If the minicluster exits while the bench runs (killed from outside, a daemon died),
    /// the running phase stops with that reason rather than retrying against nothing.
    func watch() {
        let child = self.child
        Task.detached {
            while child.isRunning { try? await Task.sleep(for: .milliseconds(250)) }
            if !BenchInterrupt.stoppingCluster.load(ordering: .relaxed) {
                BenchInterrupt.abort(because: "the rfs minicluster exited (see \(child.log) and its logs/)")
            }
        }
    }

    /// Namenode process ids (children of the minicluster), for a profiler.
    public func stop() {
        BenchInterrupt.stoppingCluster.store(true, ordering: .relaxed)
        child.signal(SIGINT)
        child.wait(seconds: 60)
    }
}
