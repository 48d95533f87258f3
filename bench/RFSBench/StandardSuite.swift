import Foundation
import RFSModel

/// `rfs bench all`: the standard suite. Baselines first, on a quiet machine (memcpy, loopback
/// TCP, fsync, the disk written three files at once and read back), then a 3-member etcd at
/// the namenode's concurrency, then rfs itself (its own `rfs minicluster`, or the cluster
/// `-fs` names): namenode operations at 1 and `threads` clients, large-file and small-file
/// writes and reads with replication 3. Every rfs row carries the baselines it is judged by.
public struct SuiteSettings: Sendable {
    public var threads = 64
    public var phaseDuration: Duration = .seconds(10)
    public var nnOperationsMax = 500_000
    public var dirs = 64
    public var largeFiles = 4
    public var largeFileBytes = 256 << 20
    public var largeThreads = 4
    public var smallFiles = 2000
    public var smallThreads = 16
    public var replication = 3
    public var baselineSeconds = 2.0
    public var etcd = true
    /// Namenodes of the minicluster this suite starts (1 until `rfs minicluster --namenodes` exists).
    public var namenodes = 1

    public init() {}

    /// Small enough for `make test` (a debug build, well under a minute): every row, no speed.
    public static var smoke: SuiteSettings {
        var settings = SuiteSettings()
        settings.phaseDuration = .milliseconds(700)
        settings.nnOperationsMax = 300
        settings.dirs = 8
        settings.largeFiles = 2
        settings.largeFileBytes = 4 << 20
        settings.largeThreads = 2
        settings.smallFiles = 40
        settings.smallThreads = 8
        settings.baselineSeconds = 0.3
        return settings
    }

    var description: [String: String] {
        ["clients": "\(threads)", "phase": "\(phaseDuration)", "nn.opsMax": "\(nnOperationsMax)", "dirs": "\(dirs)",
         "io.large": "\(largeFiles)x\(ByteFormat.describe(largeFileBytes)) \(largeThreads) thr",
         "io.small": "\(smallFiles) files 1-64 KiB \(smallThreads) thr", "replication": "\(replication)"]
    }
}

public struct StandardSuite {
    public var settings: SuiteSettings
    /// The cluster to measure; nil starts `rfs minicluster` from `rfsBinary`.
    public var target: ClusterTarget?
    public var rfsBinary: String
    /// Where the baselines' files, etcd's data and the minicluster live (the disk measured).
    public var directory: String
    public var user: String
    public var progress: ProgressLine?

    public init(settings: SuiteSettings, target: ClusterTarget?, rfsBinary: String, directory: String, user: String, progress: ProgressLine?) {
        self.settings = settings
        self.target = target
        self.rfsBinary = rfsBinary
        self.directory = directory
        self.user = user
        self.progress = progress
    }

    /// Runs every phase and returns the report; `rowDone` sees each row as it is measured.
    public func run(into report: inout BenchReport, rowDone: (BenchRow) -> Void) async {
        let runID = RunID.make()
        func add(_ row: BenchRow) {
            report.rows.append(row)
            rowDone(row)
        }
        // Baselines: nothing else running.
        let s = settings
        progress?.phase("baseline: memcpy")
        let memcpy = await onThread { Baselines.memcpyRate(seconds: s.baselineSeconds / 2) }
        add(BenchRow(key: "base.memcpy", name: "baseline memcpy (64 MiB)", value: memcpy, unit: "MiB/s"))
        progress?.phase("baseline: loopback TCP")
        let tcp = await onThread { Baselines.loopbackTCP(seconds: s.baselineSeconds / 2) }
        add(BenchRow(key: "base.tcp", name: "baseline loopback TCP, 1 stream", value: tcp, unit: "MiB/s"))
        progress?.phase("baseline: fsync")
        let dir = directory
        let fsync = await onThread { Baselines.fsync(directory: dir, seconds: s.baselineSeconds) }
        add(BenchRow(key: "base.fsync", name: "baseline fsync (200 B + fdatasync)", value: fsync.perSecond, unit: "ops/s", latency: fsync.latency))
        let diskBytes = s.largeFiles * s.largeFileBytes
        progress?.phase("baseline: disk, 3 files written at once")
        let diskWrite = await onThread { Baselines.sequentialWrite(directory: dir, copies: s.replication, bytes: diskBytes) }
        add(BenchRow(key: "base.disk.write", name: "baseline disk write, \(s.replication) files at once", value: diskWrite, unit: "MiB/s",
                     note: "\(s.replication) × \(ByteFormat.describe(diskBytes)) written by \(s.replication) threads + fdatasync; MiB/s of one copy"))
        progress?.phase("baseline: disk read")
        let diskRead = await onThread { Baselines.sequentialRead(directory: dir, copies: s.replication) }
        add(BenchRow(key: "base.disk.read", name: "baseline disk read, 1 file", value: diskRead.mibPerSecond, unit: "MiB/s",
                     note: diskRead.cold ? "page cache emptied first" : "page cache NOT emptied (not root): a warm read"))
        let fsyncBaseline = Baseline(name: "fsync", value: fsync.perSecond, unit: "ops/s")

        // etcd at the namenode's concurrency, with nothing else running.
        let etcd = await etcdRows(runID: runID)
        for row in etcd.rows { add(row) }
        if BenchInterrupt.shouldStop { report.stoppedEarly = true; return }

        // rfs.
        var cluster: MiniClusterProcess?
        let target: ClusterTarget
        if let given = self.target {
            target = given
        } else {
            progress?.phase("starting rfs minicluster (\(s.namenodes) namenode(s), 3 datanodes)")
            do {
                cluster = try await MiniClusterProcess.start(rfsBinary: rfsBinary, directory: directory + "/minicluster", datanodes: 3,
                                                             namenodes: s.namenodes, user: user)
            } catch {
                add(BenchRow(key: "nn.create.c\(s.threads)", name: "rfs minicluster", value: nil, unit: "", note: "failed to start: \(error)"))
                report.stoppedEarly = true
                return
            }
            target = cluster!.target
        }
        defer { cluster?.stop() }
        report.settings["cluster"] = target.uri + (cluster == nil ? "" : " (rfs minicluster, \(s.namenodes) namenode(s), 3 datanodes)")

        let single = NameNodeBench(target: target, options: NameNodeBenchOptions(operations: [.create], threads: 1, files: s.nnOperationsMax,
                                                                                  dirs: s.dirs, duration: s.phaseDuration / 2, keepResults: cluster != nil),
                                   progress: progress, runID: runID)
        for var row in await single.run() {
            row.baselines = [Baseline(name: "fsync (1 edit alone each)", value: fsync.perSecond, unit: "ops/s")]
            add(row)
        }
        let many = NameNodeBench(target: target, options: NameNodeBenchOptions(operations: [.create, .mkdirs, .fileStatus, .open, .rename, .delete],
                                                                                threads: s.threads, files: s.nnOperationsMax, dirs: s.dirs,
                                                                                duration: s.phaseDuration, keepResults: cluster != nil),
                                 progress: progress, runID: runID)
        var createRate: Double?
        for var row in await many.run() {
            switch row.key {
            case "nn.create.c\(s.threads)":
                createRate = row.value
                row.baselines = [etcd.put.with(goal: 1.5), fsyncBaseline]
            case "nn.mkdirs.c\(s.threads)", "nn.rename.c\(s.threads)", "nn.delete.c\(s.threads)":
                row.baselines = [etcd.put, fsyncBaseline]
            case "nn.fileStatus.c\(s.threads)":
                row.baselines = [Baseline(name: "rfs create, \(s.threads) clients", value: createRate, unit: "ops/s", goal: 5), etcd.get]
            default:
                row.baselines = [etcd.get]
            }
            add(row)
        }
        if BenchInterrupt.shouldStop { report.stoppedEarly = true; return }

        let cold = Baselines.dropPageCache() && cluster != nil
        let diskWriteBaseline = Baseline(name: "disk, \(s.replication) files at once", value: diskWrite, unit: "MiB/s", goal: 0.5)
        let diskReadBaseline = Baseline(name: "disk read, 1 file", value: diskRead.mibPerSecond, unit: "MiB/s", goal: 0.7)
        let tcpBaseline = Baseline(name: "loopback TCP, 1 stream", value: tcp, unit: "MiB/s")
        let large = IOBenchOptions(modes: [.write, .read], files: s.largeFiles, sizeBytes: s.largeFileBytes, threads: s.largeThreads,
                                   replication: s.replication, bufferBytes: 1 << 20, duration: nil, coldReads: cold, keepResults: cluster != nil,
                                   readPaths: [.tcp, .shortCircuit])
        do {
            for var row in await try IOBench(target: target, options: large, progress: progress, runID: runID).run() {
                row.baselines = row.key.hasPrefix("io.write") ? [diskWriteBaseline]
                    : row.key.contains(".shortcircuit.") ? [diskReadBaseline] : [diskReadBaseline, tcpBaseline]
                add(row)
            }
        } catch {
            add(BenchRow(key: "io.write.r\(s.replication)", name: "io large files", value: nil, unit: "MiB/s", note: "failed: \(error)"))
        }
        if BenchInterrupt.shouldStop { report.stoppedEarly = true; return }
        let small = IOBenchOptions(modes: [.write, .read], files: s.smallFiles, sizeBytes: nil, threads: s.smallThreads,
                                   replication: s.replication, bufferBytes: 64 << 10, duration: s.phaseDuration, coldReads: cold, keepResults: cluster != nil)
        do {
            for var row in await try IOBench(target: target, options: small, progress: progress, runID: runID).run() {
                row.baselines = row.key.hasPrefix("io.small.write")
                    ? [Baseline(name: "fsync", value: fsync.perSecond, unit: "ops/s"), etcd.put]
                    : [Baseline(name: "rfs open (getBlockLocations)", value: report.rows.first { $0.key == "nn.open.c\(s.threads)" }?.value,
                                unit: "ops/s")]
                add(row)
            }
        } catch {
            add(BenchRow(key: "io.small.write.r\(s.replication)", name: "io small files", value: nil, unit: "files/s", note: "failed: \(error)"))
        }
        report.stoppedEarly = BenchInterrupt.isRequested
    }

    struct EtcdFigures {
        var rows: [BenchRow]
        var put: Baseline
        var get: Baseline
    }

    /// A 3-member etcd's put and get rates at `threads` clients (and puts at 1), or rows saying why not.
    func etcdRows(runID: String) async -> EtcdFigures {
        let s = settings
        let putName = "etcd put, \(s.threads) clients, 3 members"
        let getName = "etcd get, \(s.threads) clients, 3 members"
        func missing(_ why: String) -> EtcdFigures {
            EtcdFigures(rows: [BenchRow(key: "etcd.put.c\(s.threads)", name: putName, value: nil, unit: "ops/s", note: why),
                               BenchRow(key: "etcd.get.c\(s.threads)", name: getName, value: nil, unit: "ops/s", note: why)],
                        put: Baseline(name: putName, value: nil, unit: "ops/s", note: why),
                        get: Baseline(name: getName, value: nil, unit: "ops/s", note: why))
        }
        guard s.etcd else { return missing("n/a: etcd left out (-noEtcd)") }
        guard let binary = EtcdCluster.binary() else { return missing("n/a: etcd not installed") }
        progress?.phase("starting a 3-member etcd")
        let etcdDirectory = directory + "/etcd-\(runID)"
        defer { try? FileManager.default.removeItem(atPath: etcdDirectory) }
        let cluster: EtcdCluster
        do {
            cluster = try await EtcdCluster.start(binary: binary, directory: etcdDirectory)
        } catch {
            return missing("n/a: etcd did not start: \(error)")
        }
        defer { cluster.stop() }
        var rows: [BenchRow] = []
        var put = Baseline(name: putName, value: nil, unit: "ops/s")
        var get = Baseline(name: getName, value: nil, unit: "ops/s")
        let bound = LoadBound(operations: s.nnOperationsMax, duration: s.phaseDuration)
        for isPut in [true, false] {
            let key = "etcd.\(isPut ? "put" : "get").c\(s.threads)"
            let name = isPut ? putName : getName
            do {
                let result = try await cluster.run(put: isPut, clients: s.threads, bound: bound, keys: 10_000, progress: progress)
                rows.append(BenchRow(key: key, name: name, value: result.opsPerSecond, unit: "ops/s", latency: result.latency,
                                     note: "\(result.operations) × \(isPut ? "put (100 B, fsync on)" : "range (linearizable)") via the v3 JSON gateway"))
                if isPut { put.value = result.opsPerSecond } else { get.value = result.opsPerSecond }
            } catch {
                rows.append(BenchRow(key: key, name: name, value: nil, unit: "ops/s", note: "failed: \(error)"))
            }
        }
        return EtcdFigures(rows: rows, put: put, get: get)
    }
}

extension Baseline {
    func with(goal: Double) -> Baseline {
        var copy = self
        copy.goal = goal
        return copy
    }
}

/// A short id for one run's paths (`/rfs-bench/nn-<id>-…`), so runs never collide.
enum RunID {
    static func make() -> String {
        String(UInt32.random(in: 0...UInt32.max), radix: 36)
    }
}

/// Runs blocking work (baselines) on its own OS thread, not on Swift's task pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.start()
    }
}
