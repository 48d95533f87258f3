#if canImport(Glibc)
import Glibc
#endif
import Foundation
import RFSConfig
import RFSModel

/// `rfs bench …`: parses the arguments, finds or starts the cluster, runs the benchmark,
/// prints the table (and writes the JSON). Returns the exit code: 0, 255 for a usage error
/// (as Hadoop's tools), 1 for a failed run, 130 after Ctrl-C (the table is printed first).
public enum BenchMain {
    public static func run(_ arguments: [String], environment: [String: String], rfsBinary: String) async -> Int32 {
        let parsed: BenchArguments
        do {
            parsed = try BenchArguments.parse(arguments)
            if parsed.flags.contains("help") {
                print(BenchArguments.usage)
                return 0
            }
            return try await dispatch(parsed, environment: environment, rfsBinary: rfsBinary)
        } catch let error as BenchUsageError {
            FileHandle.standardError.write(Data("\(error)\n\(BenchArguments.usage)\n".utf8))
            return 255
        } catch {
            FileHandle.standardError.write(Data("rfs bench: \(error)\n".utf8))
            return 1
        }
    }

    static func dispatch(_ arguments: BenchArguments, environment: [String: String], rfsBinary: String) async throws -> Int32 {
        if arguments.subcommand == "compare" {
            guard arguments.positional.count == 2 else { throw BenchUsageError("rfs bench compare: name two JSON files") }
            let a = try BenchReport.load(path: arguments.positional[0])
            let b = try BenchReport.load(path: arguments.positional[1])
            print(ReportComparison.render(a, b, nameA: arguments.positional[0], nameB: arguments.positional[1]))
            return 0
        }
        guard arguments.positional.isEmpty else { throw BenchUsageError("rfs bench: unexpected argument '\(arguments.positional[0])'") }
        let user = environment["HADOOP_USER_NAME"] ?? ProcessInfo.processInfo.userName
        let directory = URL(fileURLWithPath: arguments.options["dir"] ?? "rfs-bench-run").standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let given = try arguments.options["fs"].map { try target(uri: $0, arguments: arguments, environment: environment, user: user) }
        var report = BenchReport(command: (["rfs", "bench"] + CommandLine.arguments.dropFirst(2)).joined(separator: " "),
                                 startedAt: ISO8601DateFormatter().string(from: Date()), machine: MachineInfo.describe(directory: directory),
                                 settings: [:])
        BenchInterrupt.install()
        let progress = ProgressLine()
        switch arguments.subcommand {
        case "all":
            var settings = arguments.flags.contains("smoke") ? SuiteSettings.smoke : SuiteSettings()
            settings.threads = try arguments.int("threads", default: settings.threads, range: 1...4096)
            settings.phaseDuration = try arguments.duration(default: settings.phaseDuration) ?? settings.phaseDuration
            settings.etcd = !arguments.flags.contains("noEtcd")
            settings.nnOperationsMax = try arguments.int("files", default: settings.nnOperationsMax)
            settings.namenodes = try arguments.int("namenodes", default: 1, range: 1...9)
            report.settings = settings.description
            let suite = StandardSuite(settings: settings, target: given, rfsBinary: rfsBinary, directory: directory, user: user, progress: progress)
            await suite.run(into: &report) { row in
                progress.clear()
                FileHandle.standardError.write(Data("measured: \(row.name): \(row.value.map(TableFormat.number) ?? "n/a") \(row.unit)\n".utf8))
            }
        case "nn":
            try await runNameNode(arguments, given: given, directory: directory, user: user, rfsBinary: rfsBinary, progress: progress, report: &report)
        case "io":
            try await runIO(arguments, given: given, directory: directory, user: user, rfsBinary: rfsBinary, progress: progress, report: &report)
        default:
            throw BenchUsageError("rfs bench: unknown benchmark '\(arguments.subcommand)'")
        }
        report.stoppedEarly = report.stoppedEarly || BenchInterrupt.isRequested
        progress.clear()
        print(TableFormat.render(report))
        let json = arguments.options["json"] ?? (arguments.subcommand == "all" ? "rfs-bench.json" : nil)
        if let json {
            try report.jsonData().write(to: URL(fileURLWithPath: json))
            print("results: \(json)")
        }
        if !arguments.flags.contains("keepResults") {
            // The run's own files; a -dir the user named stays, emptied of them.
            try? FileManager.default.removeItem(atPath: arguments.options["dir"] == nil ? directory : directory + "/minicluster")
        }
        if BenchInterrupt.isRequested { return 130 }
        return report.rows.contains { $0.value == nil && !($0.note ?? "").hasPrefix("n/a") } ? 1 : 0
    }

    /// The cluster `-fs` names, with `-conf`/`-D`/`-metrics` (an HA nameservice resolves through the configuration).
    static func target(uri: String, arguments: BenchArguments, environment: [String: String], user: String) throws -> ClusterTarget {
        let configuration: Configuration
        do {
            let flags = arguments.options["D"].map { $0.split(separator: "\n").map(String.init) } ?? []
            configuration = try Configuration.load(file: arguments.options["conf"], environment: environment, flags: flags)
        } catch {
            throw BenchUsageError("rfs bench: \(error)")
        }
        let metrics = try arguments.options["metrics"].map { text in
            try text.split(separator: ",").map { part in
                guard let address = HostPort(parsing: String(part)) else { throw BenchUsageError("rfs bench: -metrics takes host:port[,host:port…], not '\(text)'") }
                return address
            }
        }
        return try ClusterTarget.resolve(uri: uri, configuration: configuration, metrics: metrics, user: user)
    }

    /// The cluster to measure: the one given, or a minicluster started under `directory`.
    static func withCluster(given: ClusterTarget?, directory: String, rfsBinary: String, user: String, progress: ProgressLine,
                            report: inout BenchReport, _ body: (ClusterTarget) async throws -> Void) async throws {
        if let given {
            report.settings["cluster"] = given.uri
            return try await body(given)
        }
        progress.phase("starting rfs minicluster")
        let cluster = try await MiniClusterProcess.start(rfsBinary: rfsBinary, directory: directory + "/minicluster", datanodes: 3,
                                                         namenodes: 1, user: user)
        report.settings["cluster"] = cluster.target.uri + " (rfs minicluster, 1 namenode, 3 datanodes)"
        do {
            try await body(cluster.target)
        } catch {
            cluster.stop()
            throw error
        }
        cluster.stop()
    }

    static func runNameNode(_ arguments: BenchArguments, given: ClusterTarget?, directory: String, user: String, rfsBinary: String,
                            progress: ProgressLine, report: inout BenchReport) async throws {
        guard let op = arguments.options["op"] else { throw BenchUsageError("rfs bench nn: -op is required") }
        let operations: [NameNodeOperation]
        if op == "all" {
            operations = [.create, .mkdirs, .open, .fileStatus, .rename, .delete, .blockReport]
        } else if let one = NameNodeOperation(rawValue: op) {
            operations = [one]
        } else {
            throw BenchUsageError("rfs bench nn: unknown -op '\(op)'")
        }
        let options = NameNodeBenchOptions(operations: operations, threads: try arguments.int("threads", default: 64, range: 1...4096),
                                           files: try arguments.int("files", default: 100_000), dirs: try arguments.int("dirs", default: 64),
                                           duration: try arguments.duration(default: nil), keepResults: arguments.flags.contains("keepResults"),
                                           blocksPerReport: try arguments.int("blocksPerReport", default: 1000))
        report.settings = ["threads": "\(options.threads)", "files": "\(options.files)", "dirs": "\(options.dirs)",
                           "duration": options.duration.map { "\($0)" } ?? "none"]
        let fsync = await onThread { Baselines.fsync(directory: directory, seconds: 1) }
        let fsyncBaseline = Baseline(name: "fsync on this machine's disk", value: fsync.perSecond, unit: "ops/s")
        var rows: [BenchRow] = []
        try await withCluster(given: given, directory: directory, rfsBinary: rfsBinary, user: user, progress: progress, report: &report) { target in
            rows = await NameNodeBench(target: target, options: options, progress: progress, runID: RunID.make()).run()
        }
        let createRate = rows.first { $0.key.hasPrefix("nn.create.") }?.value
        for var row in rows {
            let operation = NameNodeOperation(rawValue: row.key.split(separator: ".")[1].description)
            if operation == .blockReport {
                // No fsync and no client call compares with it; the note gives replicas/s.
                row.baselines = []
            } else if operation?.isMutation == true {
                row.baselines = [fsyncBaseline]
            } else if createRate != nil, operation == .fileStatus || operation == .open {
                row.baselines = [Baseline(name: "rfs create, same run", value: createRate, unit: "ops/s")]
            } else {
                row.baselines = [fsyncBaseline]
            }
            report.rows.append(row)
        }
    }

    static func runIO(_ arguments: BenchArguments, given: ClusterTarget?, directory: String, user: String, rfsBinary: String,
                      progress: ProgressLine, report: inout BenchReport) async throws {
        let modes = IOBenchOptions.Mode.allCases.filter { arguments.flags.contains($0.rawValue) }
        guard !modes.isEmpty else { throw BenchUsageError("rfs bench io: name -write, -read or -mixed") }
        let sizeText = arguments.options["size"] ?? "64m"
        let size: Int?
        if sizeText == "small" {
            size = nil
        } else {
            guard let bytes = BenchArguments.parseSize(sizeText) else { throw BenchUsageError("rfs bench io: -size takes a size (64k, 128m, 1g) or 'small', not '\(sizeText)'") }
            size = bytes
        }
        let bufferText = arguments.options["bufferSize"] ?? "1m"
        guard let buffer = BenchArguments.parseSize(bufferText), buffer <= 64 << 20 else {
            throw BenchUsageError("rfs bench io: -bufferSize takes a size up to 64m, not '\(bufferText)'")
        }
        let options = IOBenchOptions(modes: modes, files: try arguments.int("files", default: size == nil ? 1000 : 4),
                                     sizeBytes: size, threads: try arguments.int("threads", default: 4, range: 1...1024),
                                     replication: try arguments.int("replication", default: 3, range: 1...16), bufferBytes: buffer,
                                     duration: try arguments.duration(default: nil), coldReads: given == nil, keepResults: arguments.flags.contains("keepResults"),
                                     // A read row over TCP, and one short-circuit when the cluster's configuration turns it on (-tcp: TCP only).
                                     readPaths: arguments.flags.contains("tcp") ? [.tcp] : [.tcp, .shortCircuit])
        report.settings = ["files": "\(options.files)", "size": sizeText, "threads": "\(options.threads)",
                           "replication": "\(options.replication)", "bufferSize": bufferText]
        // The bound on this disk for the same bytes: `replication` copies written at once, one read back.
        var baselines: [Baseline] = []
        if let size {
            let bytes = size * options.files
            let copies = options.replication
            progress.phase("baseline: disk")
            let write = await onThread { Baselines.sequentialWrite(directory: directory, copies: copies, bytes: bytes) }
            let read = await onThread { Baselines.sequentialRead(directory: directory, copies: copies) }
            baselines = [Baseline(name: "disk, \(copies) files at once", value: write, unit: "MiB/s"),
                         Baseline(name: "disk read, 1 file" + (read.cold ? "" : " (warm)"), value: read.mibPerSecond, unit: "MiB/s")]
        } else {
            let fsync = await onThread { Baselines.fsync(directory: directory, seconds: 1) }
            baselines = [Baseline(name: "fsync", value: fsync.perSecond, unit: "ops/s")]
        }
        var rows: [BenchRow] = []
        try await withCluster(given: given, directory: directory, rfsBinary: rfsBinary, user: user, progress: progress, report: &report) { target in
            rows = await try IOBench(target: target, options: options, progress: progress, runID: RunID.make()).run()
        }
        for var row in rows {
            if size != nil, let first = baselines.first, let second = baselines.last {
                row.baselines = [row.key.contains(".write.") ? first : second]
            } else {
                row.baselines = baselines
            }
            report.rows.append(row)
        }
    }
}

/// What the report says about the machine.
enum MachineInfo {
    static func describe(directory: String) -> MachineDescription {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return MachineDescription(cpu: model, cores: ProcessInfo.processInfo.activeProcessorCount,
                                  memoryGiB: Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30),
                                  kernel: "Linux \(release)", disk: disk(of: directory))
    }

    /// The mount holding `directory`: filesystem type and device, from /proc/mounts.
    static func disk(of directory: String) -> String {
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        var best: (point: String, text: String) = ("", "unknown")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let point = String(fields[1])
            if directory.hasPrefix(point), point.count > best.point.count {
                best = (point, "\(fields[2]) on \(fields[0]) (mounted at \(point))")
            }
        }
        return best.text
    }
}
