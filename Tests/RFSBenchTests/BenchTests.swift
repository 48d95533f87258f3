import Foundation
import NIOPosix
import RFSRPC
import RFSConfig
import RFSModel
import Testing
@testable import RFSBench

@Suite("rfs bench: arguments, tables, comparisons and the load runner")
struct BenchTests {
    @Test("single-dash options as Hadoop's benchmarks take them; -- spellings accepted")
    func parsesHadoopStyleOptions() throws {
        let parsed = try BenchArguments.parse(["nn", "-op", "create", "--threads", "8", "-keepResults", "-D", "a=1", "-D", "b=2"])
        #expect(parsed.subcommand == "nn")
        #expect(parsed.options["op"] == "create")
        #expect(try parsed.int("threads", default: 64) == 8)
        #expect(parsed.flags == ["keepResults"])
        #expect(parsed.options["D"] == "a=1\nb=2")
    }

    @Test("usage errors name what is wrong", arguments: [["nope"], [], ["nn", "-threads"], ["nn", "-bogus"]])
    func usageErrors(arguments: [String]) {
        #expect(throws: BenchUsageError.self) { try BenchArguments.parse(arguments) }
    }

    @Test("a count out of range is a usage error")
    func countOutOfRange() throws {
        let parsed = try BenchArguments.parse(["nn", "-threads", "0"])
        #expect(throws: BenchUsageError.self) { try parsed.int("threads", default: 64) }
    }

    @Test("durations and sizes in the spellings people type")
    func durationsAndSizes() {
        #expect(BenchArguments.parseDuration("500ms") == .milliseconds(500))
        #expect(BenchArguments.parseDuration("10s") == .seconds(10))
        #expect(BenchArguments.parseDuration("2m") == .seconds(120))
        #expect(BenchArguments.parseDuration("3") == .seconds(3))
        #expect(BenchArguments.parseDuration("-1s") == nil)
        #expect(BenchArguments.parseSize("64k") == 64 << 10)
        #expect(BenchArguments.parseSize("128MiB") == 128 << 20)
        #expect(BenchArguments.parseSize("1g") == 1 << 30)
        #expect(BenchArguments.parseSize("4096") == 4096)
        #expect(BenchArguments.parseSize("lots") == nil)
    }

    @Test("the WAL counters are read from Prometheus text, and entries per fsync from two readings")
    func walCounters() throws {
        let before = try #require(WALCounters.parse("""
            # TYPE rfs_wal_appends_total counter
            rfs_wal_appends_total 100
            rfs_wal_fsyncs_total 40
            rfs_wal_entries_per_fsync 2.5
            """))
        let after = try #require(WALCounters.parse("rfs_wal_appends_total 1100\nrfs_wal_fsyncs_total{x=\"y\"} 140\n"))
        #expect(after.entriesPerFsync(since: before) == 10)
        #expect(before.entriesPerFsync(since: before) == nil)
        #expect(WALCounters.parse("rfs_rpc_calls_total 3") == nil)
        // A Raft member writes several records per append: records, when exported, are what counts.
        let raft = try #require(WALCounters.parse("rfs_wal_appends_total 10\nrfs_wal_records_total 80\nrfs_wal_fsyncs_total 4\n"))
        #expect(raft.entriesPerFsync(since: WALCounters(appends: 0, fsyncs: 0)) == 20)
    }

    @Test("small-file sizes stay within 1-64 KiB")
    func smallFileSizes() {
        let options = IOBenchOptions(modes: [.write], files: 1000, sizeBytes: nil, threads: 1, replication: 3, bufferBytes: 65536,
                                     duration: nil, coldReads: false, keepResults: false)
        let sizes = (0..<1000).map(options.size(of:))
        #expect(sizes.allSatisfy { (1024...65536).contains($0) })
        #expect(Set(sizes).count > 900)
    }

    @Test("the table shows each figure, its baseline, the ratio and whether the goal is met")
    func table() {
        var report = BenchReport(command: "rfs bench all", startedAt: "now",
                                 machine: MachineDescription(cpu: "cpu", cores: 2, memoryGiB: 8, kernel: "Linux", disk: "ext4"),
                                 settings: ["clients": "64"])
        report.rows = [
            BenchRow(key: "nn.create.c64", name: "nn create, 64 clients", value: 3000, unit: "ops/s",
                     latency: LatencySummary(count: 10, meanMicros: 2000, p50Micros: 1500, p99Micros: 9000, p999Micros: 12000, maxMicros: 13000),
                     entriesPerFsync: 31.5,
                     baselines: [Baseline(name: "etcd put", value: 1500, unit: "ops/s", goal: 1.5)]),
            BenchRow(key: "etcd.get.c64", name: "etcd get", value: nil, unit: "ops/s", note: "n/a: etcd not installed"),
        ]
        let text = TableFormat.render(report)
        #expect(text.contains("3,000"))
        #expect(text.contains("2.00x"))
        #expect(text.contains("≥1.5x ok"))
        #expect(text.contains("31.5"))
        #expect(text.contains("n/a: etcd not installed"))
    }

    @Test("compare pairs rows by key and shows the change")
    func compare() throws {
        let machine = MachineDescription(cpu: "cpu", cores: 2, memoryGiB: 8, kernel: "Linux", disk: "ext4")
        let a = BenchReport(command: "a", startedAt: "1", machine: machine, settings: [:],
                            rows: [BenchRow(key: "x", name: "x", value: 100, unit: "ops/s"), BenchRow(key: "y", name: "y", value: 1, unit: "ops/s")])
        let b = BenchReport(command: "b", startedAt: "2", machine: machine, settings: [:],
                            rows: [BenchRow(key: "x", name: "x", value: 150, unit: "ops/s")])
        let text = ReportComparison.render(a, b, nameA: "a.json", nameB: "b.json")
        #expect(text.contains("+50.0%"))
        #expect(text.contains("only in A"))
        let decoded = try JSONDecoder().decode(BenchReport.self, from: try a.jsonData())
        #expect(decoded == a)
    }

    @Test("the load runner stops at the operation count and records every operation once")
    func loadRunnerCount() async {
        let seen = IOTally()
        let result = await runLoad(name: "t", workers: 8, bound: LoadBound(operations: 500, duration: nil), progress: nil) { _, index in
            seen.add(bytes: index, seconds: 1)
        }
        #expect(result.operations == 500)
        #expect(result.histogram.totalCount == 500)
        #expect(seen.bytes.load(ordering: .relaxed) == (0..<500).reduce(0, +))
        #expect(result.error == nil)
    }

    @Test("each worker runs on the executor given for it, before and after suspending")
    func loadRunnerExecutors() async {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let assigned = (0..<4).map { _ in loops.next() }
        let misplaced = IOTally()
        let result = await runLoad(name: "t", workers: 4, bound: LoadBound(operations: 200, duration: nil), progress: nil,
                                   executor: { EventLoopTaskExecutor(assigned[$0]) }) { worker, _ in
            if !assigned[worker].inEventLoop { misplaced.add(bytes: 1, seconds: 0) }
            await Task.yield()
            if !assigned[worker].inEventLoop { misplaced.add(bytes: 1, seconds: 0) }
        }
        #expect(result.operations == 200 && result.error == nil)
        #expect(misplaced.bytes.load(ordering: .relaxed) == 0)
        try? await loops.shutdownGracefully()
    }

    @Test("a failing operation stops the phase with its error")
    func loadRunnerError() async {
        let result = await runLoad(name: "t", workers: 4, bound: LoadBound(operations: 1000, duration: nil), progress: nil) { _, index in
            if index == 10 { throw BenchError("boom") }
        }
        #expect(result.error?.contains("boom") == true)
        #expect(result.operations < 1000)
    }
}

@Suite("rfs bench: the cluster a run measures")
struct ClusterTargetTests {
    @Test("an HA nameservice resolves to its namenodes' RPC and HTTP addresses, in the configuration's order")
    func haNameservice() throws {
        let configuration = try Configuration(parsing: """
            fs.defaultFS = hdfs://rfs
            dfs.nameservices = rfs
            dfs.ha.namenodes.rfs = nn1,nn2,nn3
            dfs.namenode.rpc-address.rfs.nn1 = 127.0.0.1:8020
            dfs.namenode.rpc-address.rfs.nn2 = 127.0.0.1:8120
            dfs.namenode.rpc-address.rfs.nn3 = 127.0.0.1:8220
            dfs.namenode.http-address.rfs.nn1 = 127.0.0.1:9870
            dfs.namenode.http-address.rfs.nn2 = 127.0.0.1:9970
            dfs.namenode.http-address.rfs.nn3 = 127.0.0.1:10070
            """, path: "test.conf")
        let target = try ClusterTarget.resolve(uri: "hdfs://rfs", configuration: configuration, metrics: nil, user: "me")
        #expect(target.namenodes.map(\.port) == [8020, 8120, 8220])
        #expect(target.metrics.map(\.port) == [9870, 9970, 10070])
        #expect(target.uri == "hdfs://rfs")
    }

    @Test("one namenode by address; -metrics overrides the HTTP address")
    func singleNamenode() throws {
        let target = try ClusterTarget.resolve(uri: "hdfs://127.0.0.1:8020/", configuration: Configuration(),
                                               metrics: [HostPort(host: "127.0.0.1", port: 9999)], user: "me")
        #expect(target.namenodes == [HostPort(host: "127.0.0.1", port: 8020)])
        #expect(target.metrics == [HostPort(host: "127.0.0.1", port: 9999)])
        #expect(throws: BenchUsageError.self) {
            try ClusterTarget.resolve(uri: "webhdfs://x", configuration: Configuration(), metrics: nil, user: "me")
        }
    }
}
