import Foundation
import RFSClient
import RFSConfig
import Synchronization

/// DFSIO-style data throughput: `threads` writers (or readers) move `files` files of `size`
/// bytes through the rfs client's streams (DataTransferProtocol pipelines to the datanodes).
public struct IOBenchOptions: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case write, read, mixed }
    /// How reads reach the bytes: DataTransferProtocol over TCP, or short-circuit (the client
    /// reads a local datanode's replica files; only when the cluster's client configuration
    /// turns it on, as `rfs minicluster`'s does).
    public enum ReadPath: String, Sendable, CaseIterable { case tcp, shortCircuit }

    public var modes: [Mode]
    public var files: Int
    /// Bytes per file; nil means small-file mode: each file 1–64 KiB (seeded by its index).
    public var sizeBytes: Int?
    public var threads: Int
    public var replication: Int
    public var bufferBytes: Int
    public var duration: Duration?
    /// Empty the page cache before reads (only works as root, and only matters for a local cluster).
    public var coldReads: Bool
    public var keepResults: Bool
    /// The read phases to run, one row each (`-read` with a short-circuit configuration runs both).
    public var readPaths: [ReadPath]

    public init(modes: [Mode], files: Int, sizeBytes: Int?, threads: Int, replication: Int, bufferBytes: Int,
                duration: Duration?, coldReads: Bool, keepResults: Bool, readPaths: [ReadPath] = [.tcp]) {
        self.modes = modes
        self.files = files
        self.sizeBytes = sizeBytes
        self.threads = threads
        self.replication = replication
        self.bufferBytes = bufferBytes
        self.duration = duration
        self.coldReads = coldReads
        self.keepResults = keepResults
        self.readPaths = readPaths
    }

    var isSmallFiles: Bool { sizeBytes == nil }

    /// File `index`'s size: fixed, or in small-file mode 1–64 KiB spread by a hash of the index.
    func size(of index: Int) -> Int {
        if let sizeBytes { return sizeBytes }
        var mixed = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        mixed ^= mixed >> 31
        return 1024 + Int(mixed % UInt64(63 * 1024 + 1))
    }

    var label: String {
        isSmallFiles ? "small files (1-64 KiB)" : "\(files) × \(ByteFormat.describe(sizeBytes ?? 0))"
    }
}

enum ByteFormat {
    static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 30, bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) B"
    }
}

/// Bytes moved and the sum of per-file rates, across a phase's workers.
final class IOTally: Sendable {
    let bytes = Atomic<Int>(0)
    let perFileRates = Mutex<[Double]>([])

    func add(bytes count: Int, seconds: Double) {
        bytes.wrappingAdd(count, ordering: .relaxed)
        let rate = Double(count) / Double(1 << 20) / max(seconds, 1e-9)
        perFileRates.withLock { $0.append(rate) }
    }

    var meanPerFileMiBps: Double {
        perFileRates.withLock { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) }
    }
}

public final class IOBench: Sendable {
    let target: ClusterTarget
    let options: IOBenchOptions
    let progress: ProgressLine?
    let base: String
    /// One client per worker, reading over TCP (short-circuit reads turned off whatever the
    /// configuration says), and, when the configuration turns them on, one reading short-circuit.
    let fileSystems: [FileSystem]
    let shortCircuitFileSystems: [FileSystem]
    /// What every writer writes: random bytes (nothing along the path can compress them).
    let data: [UInt8]

    public init(target: ClusterTarget, options: IOBenchOptions, progress: ProgressLine?, runID: String) throws {
        self.target = target
        self.options = options
        self.progress = progress
        self.base = "/rfs-bench/io-\(runID)-\(options.isSmallFiles ? "small" : "large")"
        var tcp = target.configuration
        tcp.set("dfs.client.read.shortcircuit", "false")
        self.fileSystems = try (0..<options.threads).map { _ in
            try FileSystem(uri: target.uri, user: target.user, configuration: tcp)
        }
        let shortCircuit = options.readPaths.contains(.shortCircuit) && Self.configuresShortCircuit(target.configuration)
        self.shortCircuitFileSystems = !shortCircuit ? [] : try (0..<options.threads).map { _ in
            try FileSystem(uri: target.uri, user: target.user, configuration: target.configuration)
        }
        self.data = Baselines.randomBytes(max(options.bufferBytes, 64 << 10) + (64 << 10))
    }

    /// Whether `configuration` turns short-circuit reads on (and names the datanodes' socket).
    static func configuresShortCircuit(_ configuration: Configuration) -> Bool {
        configuration.raw("dfs.client.read.shortcircuit")?.lowercased() == "true"
            && !(configuration.raw("dfs.domain.socket.path") ?? "").isEmpty
    }

    /// Files in directories of 100, so that removing them never asks one recursive delete
    /// for thousands of entries (slow on the namenode; see bench/README.md).
    func path(_ index: Int) -> String { "\(base)/d\(index / 100)/f\(index)" }

    var keyPrefix: String { options.isSmallFiles ? "io.small" : "io" }

    public func run() async -> [BenchRow] {
        var rows: [BenchRow] = []
        var written = 0
        var phases: [(IOBenchOptions.Mode, IOBenchOptions.ReadPath)] = []
        for mode in options.modes {
            if mode == .read {
                phases += options.readPaths.filter { $0 == .tcp || !shortCircuitFileSystems.isEmpty }.map { (mode, $0) }
            } else {
                phases.append((mode, .tcp))
            }
        }
        for (mode, path) in phases {
            if BenchInterrupt.shouldStop { break }
            do {
                if mode != .write, written == 0 {
                    progress?.phase("io: writing \(options.files) files for the \(mode.rawValue) phase")
                    written = try await phase(.write, written: 0).1
                }
                let (row, count) = try await phase(mode, path: path, written: written)
                if mode == .write { written = count } else if mode == .mixed { written += count / 2 }
                rows.append(row)
            } catch {
                rows.append(BenchRow(key: key(mode, path: path), name: name(mode, path: path), value: nil, unit: unit, note: "failed: \(error)"))
            }
        }
        if !options.keepResults {
            for directory in 0...(max(written, options.files) / 100) where !BenchInterrupt.shouldStop {
                _ = try? await fileSystems[0].delete("\(base)/d\(directory)", recursive: true)
            }
            _ = try? await fileSystems[0].delete(base, recursive: true)
        }
        for fileSystem in fileSystems + shortCircuitFileSystems { await fileSystem.close() }
        return rows
    }

    var unit: String { options.isSmallFiles ? "files/s" : "MiB/s" }

    /// Rows keep their keys from before short-circuit reads (`io.read.r3` is the TCP read);
    /// the short-circuit read is `io.read.shortcircuit.r3`.
    func key(_ mode: IOBenchOptions.Mode, path: IOBenchOptions.ReadPath = .tcp) -> String {
        "\(keyPrefix).\(mode.rawValue)\(path == .shortCircuit ? ".shortcircuit" : "").r\(options.replication)"
    }

    func name(_ mode: IOBenchOptions.Mode, path: IOBenchOptions.ReadPath = .tcp) -> String {
        let what = options.isSmallFiles ? "small files" : ByteFormat.describe(options.sizeBytes ?? 0) + " files"
        let via = mode != .read ? "" : path == .shortCircuit ? " (short-circuit)" : " (TCP)"
        return "io \(mode.rawValue)\(via) \(what), r\(options.replication), \(options.threads) thr"
    }

    /// One timed phase over files `0..<files` (reads cycle over the `written` ones).
    func phase(_ mode: IOBenchOptions.Mode, path: IOBenchOptions.ReadPath = .tcp, written: Int) async throws -> (BenchRow, Int) {
        if mode != .write, options.coldReads { Baselines.dropPageCache() }
        let tally = IOTally()
        let readCount = max(written, 1)
        let clients = path == .shortCircuit ? shortCircuitFileSystems : fileSystems
        let cpuBefore = ProcessCPU.treeSeconds()
        let result = await runLoad(name: name(mode, path: path), workers: options.threads,
                                   bound: LoadBound(operations: mode == .read ? min(options.files, readCount) : options.files,
                                                    duration: options.duration),
                                   progress: progress) { worker, index in
            switch mode {
            case .write: try await self.writeFile(worker: worker, index: index, tally: tally)
            case .read: try await self.readFile(clients[worker], index: index % readCount, tally: tally)
            case .mixed:
                if index % 2 == 0 {
                    try await self.readFile(clients[worker], index: (index / 2) % readCount, tally: tally)
                } else {
                    try await self.writeFile(worker: worker, index: written + index / 2, tally: tally)
                }
            }
        }
        if let error = result.error { throw BenchError(error) }
        let seconds = result.elapsed.seconds
        let mib = Double(tally.bytes.load(ordering: .relaxed)) / Double(1 << 20)
        // CPU of the bench and the cluster it started (nothing else the machine runs), per MiB moved.
        let cpuAfter = ProcessCPU.treeSeconds()
        let cpuPerMiB: Double? = if let cpuBefore, let cpuAfter { (cpuAfter - cpuBefore) * 1000 / max(mib, 1e-9) } else { nil }
        let value = options.isSmallFiles ? result.opsPerSecond : mib / max(seconds, 1e-9)
        var row = BenchRow(key: key(mode, path: path), name: name(mode, path: path), value: value, unit: unit, latency: result.latency)
        row.note = "\(result.operations) files, \(TableFormat.format(mib, digits: 1)) MiB in \(TableFormat.format(seconds, digits: 1)) s; "
            + "aggregate \(TableFormat.format(mib / max(seconds, 1e-9), digits: 1)) MiB/s, per-file mean "
            + "\(TableFormat.format(tally.meanPerFileMiBps, digits: 1)) MiB/s; latency = per file"
            + (mode != .write && options.coldReads ? "; page cache emptied first" : "")
            + (cpuPerMiB.map { "; CPU \(TableFormat.format($0, digits: 2)) ms/MiB (bench + its cluster)" } ?? "")
            + (result.interrupted ? "; stopped by Ctrl-C" : "")
        return (row, result.operations)
    }

    func writeFile(worker: Int, index: Int, tally: IOTally) async throws {
        let size = options.size(of: index)
        let began = ContinuousClock.now
        let stream = try await fileSystems[worker].create(path(index), overwrite: true, createParent: true, replication: options.replication)
        var done = 0
        var offset = index % 4096  // different bytes per file, same buffer
        while done < size {
            let count = min(options.bufferBytes, size - done)
            try await stream.write(data[offset..<(offset + count)])
            done += count
            offset = (offset + 4096) % (64 << 10)
        }
        try await stream.close()
        tally.add(bytes: size, seconds: (ContinuousClock.now - began).seconds)
    }

    func readFile(_ client: FileSystem, index: Int, tally: IOTally) async throws {
        let began = ContinuousClock.now
        let stream = try await client.open(path(index))
        // One buffer per file, filled in place (libhdfs's hdfsRead path): no allocation per read.
        nonisolated(unsafe) let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: options.bufferBytes, alignment: 64)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let count = try await stream.read(into: buffer)
            if count == 0 { break }
            total += count
        }
        await stream.close()
        guard total == options.size(of: index) else {
            throw BenchError("read \(total) bytes of \(path(index)), expected \(options.size(of: index))")
        }
        tally.add(bytes: total, seconds: (ContinuousClock.now - began).seconds)
    }
}
