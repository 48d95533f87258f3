import Foundation

/// Latency percentiles of one measured phase, in microseconds (read off an HDR histogram with
/// three significant digits, so each figure is within 0.1% of the recorded value).
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var meanMicros: Double
    public var p50Micros: Double
    public var p99Micros: Double
    public var p999Micros: Double
    public var maxMicros: Double

    public init(count: Int, meanMicros: Double, p50Micros: Double, p99Micros: Double, p999Micros: Double, maxMicros: Double) {
        self.count = count
        self.meanMicros = meanMicros
        self.p50Micros = p50Micros
        self.p99Micros = p99Micros
        self.p999Micros = p999Micros
        self.maxMicros = maxMicros
    }
}

/// What a figure is compared with: a baseline measured in the same run on the same machine
/// (the disk's fsync rate, etcd's puts/s at the same concurrency, another row of rfs).
public struct Baseline: Codable, Sendable, Equatable {
    public var name: String
    public var value: Double?
    public var unit: String
    /// The ratio (figure / baseline) the project aims for, when it has one.
    public var goal: Double?
    /// Why there is no value ("n/a: etcd not installed").
    public var note: String?

    public init(name: String, value: Double?, unit: String, goal: Double? = nil, note: String? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.goal = goal
        self.note = note
    }
}

/// One row of the table: a figure, its latencies, and its same-run baselines.
public struct BenchRow: Codable, Sendable, Equatable {
    /// Stable key for `rfs bench compare` and the smoke test ("nn.create.c64").
    public var key: String
    public var name: String
    public var value: Double?
    public var unit: String
    public var latency: LatencySummary?
    /// Edits made durable per WAL fsync during this phase (mutations only; from /metrics).
    public var entriesPerFsync: Double?
    public var baselines: [Baseline]
    /// Why the row has no value, or how it was measured when that matters ("stopped early").
    public var note: String?

    public init(key: String, name: String, value: Double?, unit: String, latency: LatencySummary? = nil,
                entriesPerFsync: Double? = nil, baselines: [Baseline] = [], note: String? = nil) {
        self.key = key
        self.name = name
        self.value = value
        self.unit = unit
        self.latency = latency
        self.entriesPerFsync = entriesPerFsync
        self.baselines = baselines
        self.note = note
    }

    /// value / baseline, when both were measured.
    public func ratio(to baseline: Baseline) -> Double? {
        guard let value, let base = baseline.value, base > 0 else { return nil }
        return value / base
    }
}

/// The machine a run was measured on, so a table can be read later.
public struct MachineDescription: Codable, Sendable, Equatable {
    public var cpu: String
    public var cores: Int
    public var memoryGiB: Double
    public var kernel: String
    /// The filesystem and device under the run's directory.
    public var disk: String

    public init(cpu: String, cores: Int, memoryGiB: Double, kernel: String, disk: String) {
        self.cpu = cpu
        self.cores = cores
        self.memoryGiB = memoryGiB
        self.kernel = kernel
        self.disk = disk
    }
}

/// Everything one `rfs bench` run measured: what `-json` writes and `compare` reads.
public struct BenchReport: Codable, Sendable, Equatable {
    public var tool = "rfs bench"
    public var command: String
    public var startedAt: String
    public var machine: MachineDescription
    /// Settings that shape the figures (clients, durations, sizes, cluster).
    public var settings: [String: String]
    public var rows: [BenchRow]
    /// True when Ctrl-C (or an error) ended the run before every phase ran.
    public var stoppedEarly: Bool

    public init(command: String, startedAt: String, machine: MachineDescription, settings: [String: String],
                rows: [BenchRow] = [], stoppedEarly: Bool = false) {
        self.command = command
        self.startedAt = startedAt
        self.machine = machine
        self.settings = settings
        self.rows = rows
        self.stoppedEarly = stoppedEarly
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    public static func load(path: String) throws -> BenchReport {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            return try JSONDecoder().decode(BenchReport.self, from: data)
        } catch {
            throw BenchUsageError("\(path) is not an rfs bench JSON file: \(error)")
        }
    }
}

/// A mistake in how `rfs bench` was called; the shell prints it with the usage and exits 255.
public struct BenchUsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A failure while measuring (a cluster that did not start, an operation refused).
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
