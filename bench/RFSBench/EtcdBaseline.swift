#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOCore
import RFSRPC

/// The reference Raft store: a 3-member etcd cluster (Debian's etcd-server) on loopback,
/// each member with its own data directory on the run's disk and etcd's default fsync policy
/// (every commit fsynced), driven with the same number of concurrent clients as the
/// namenode. Clients speak etcd's v3 JSON gateway over keep-alive HTTP/1.1, one connection
/// each (see bench/README.md for what the gateway costs).
public final class EtcdCluster: Sendable {
    public struct Member: Sendable {
        let name: String
        let clientPort: Int
        let peerPort: Int
    }

    let members: [Member]
    let processes: [BenchChildProcess]
    let directory: String

    /// The etcd binary on PATH, or nil (the row is then "n/a: etcd not installed").
    public static func binary() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(directory)/etcd"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private init(members: [Member], processes: [BenchChildProcess], directory: String) {
        self.members = members
        self.processes = processes
        self.directory = directory
    }

    /// Starts three members under `directory` and waits until the cluster has a leader.
    public static func start(binary: String, directory: String) async throws -> EtcdCluster {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var members: [Member] = []
        for index in 1...3 {
            members.append(Member(name: "etcd\(index)", clientPort: try freePort(), peerPort: try freePort()))
        }
        let initial = members.map { "\($0.name)=http://127.0.0.1:\($0.peerPort)" }.joined(separator: ",")
        var processes: [BenchChildProcess] = []
        for member in members {
            let arguments = [
                "--name", member.name, "--data-dir", "\(directory)/\(member.name)",
                "--listen-client-urls", "http://127.0.0.1:\(member.clientPort)",
                "--advertise-client-urls", "http://127.0.0.1:\(member.clientPort)",
                "--listen-peer-urls", "http://127.0.0.1:\(member.peerPort)",
                "--initial-advertise-peer-urls", "http://127.0.0.1:\(member.peerPort)",
                "--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", "rfs-bench",
                "--log-outputs", "stderr", "--logger", "zap",
            ]
            processes.append(try BenchChildProcess(executable: binary, arguments: arguments, log: "\(directory)/\(member.name).log"))
        }
        let cluster = EtcdCluster(members: members, processes: processes, directory: directory)
        do {
            try await cluster.waitHealthy()
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    func waitHealthy() async throws {
        for _ in 0..<300 {
            if let dead = processes.first(where: { !$0.isRunning }) {
                throw BenchError("an etcd member exited at start; see \(dead.log)")
            }
            var healthy = 0
            for member in members {
                if let connection = try? await HTTPConnection.connect(host: "127.0.0.1", port: member.clientPort) {
                    if let response = try? await connection.request(.GET, "/health"), response.text.contains("\"true\"") { healthy += 1 }
                    await connection.close()
                }
            }
            if healthy == members.count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the etcd cluster was not healthy within 30 s; see \(directory)/*.log")
    }

    public func stop() {
        for process in processes { process.terminate() }
        for process in processes { process.wait(seconds: 10) }
    }

    /// `clients` concurrent puts (or linearizable gets) of 100-byte values over `keys`
    /// distinct keys, each client on its own connection to one member in turn.
    public func run(put: Bool, clients: Int, bound: LoadBound, keys: Int, progress: ProgressLine?) async throws -> LoadResult {
        var connections: [HTTPConnection] = []
        for index in 0..<clients {
            connections.append(try await HTTPConnection.connect(host: "127.0.0.1", port: members[index % members.count].clientPort))
        }
        defer { let all = connections; Task { for connection in all { await connection.close() } } }
        let value = Data(repeating: 0x61, count: 100).base64EncodedString()
        let pool = connections
        let result = await runLoad(name: "etcd \(put ? "put" : "get") (\(clients) clients)", workers: clients, bound: bound,
                                   progress: progress) { worker, index in
            let key = Data("/rfs-bench/k\(index % keys)".utf8).base64EncodedString()
            let body = put ? "{\"key\":\"\(key)\",\"value\":\"\(value)\"}" : "{\"key\":\"\(key)\"}"
            let response = try await pool[worker].request(.POST, put ? "/v3/kv/put" : "/v3/kv/range", body: body)
            guard response.status == 200 else { throw BenchError("etcd answered \(response.status): \(response.text.prefix(200))") }
        }
        if let error = result.error { throw BenchError(error) }
        return result
    }
}

/// A child process with its output in a log file, stopped with SIGTERM (then SIGKILL).
final class BenchChildProcess: @unchecked Sendable {
    // Process is thread-safe for the calls made here (isRunning, terminate, waitUntilExit).
    let process = Process()
    let log: String

    init(executable: String, arguments: [String], log: String, environment: [String: String]? = nil) throws {
        self.log = log
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        BenchInterrupt.track(process.processIdentifier)
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    func terminate() { signal(SIGTERM) }

    func wait(seconds: Double) {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning, ContinuousClock.now < deadline { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        BenchInterrupt.untrack(process.processIdentifier)
    }
}

/// A free port on 127.0.0.1 for a daemon about to be started (`LoopbackPort.free`: below the
/// kernel's ephemeral range, where no outgoing connection is given it meanwhile).
func freePort() throws -> Int {
    guard let port = LoopbackPort.free() else { throw BenchError("cannot find a free port on 127.0.0.1") }
    return port
}
