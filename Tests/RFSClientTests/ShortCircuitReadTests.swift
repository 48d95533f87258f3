import Foundation
import RFSClient
import RFSConfig
import RFSMiniCluster
import RFSModel
import Testing

/// Short-circuit local reads against real datanodes of an in-process cluster: every datanode
/// is on this host, so with `dfs.client.read.shortcircuit` every replica is read from its files.
@Suite(.serialized) struct ShortCircuitReadTests {
    static func withCluster(clientSocketPath: ((String) -> String)? = nil,
                            _ body: (FileSystem, MiniCluster) async throws -> Void) async throws {
        let sockets = "/tmp/rfs-sc-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: sockets, withIntermediateDirectories: true)
        let template = sockets + "/dn._PORT"
        let cluster = try await MiniCluster.start(datanodes: 3, settings: ["dfs.domain.socket.path": template])
        var configuration = Configuration()
        configuration.set(Keys.blockSize.name, "1m")
        configuration.set("dfs.client.read.shortcircuit", "true")
        configuration.set("dfs.domain.socket.path", clientSocketPath?(sockets) ?? template)
        let fs = try FileSystem(namenodes: [cluster.namenodeAddress], user: "minicluster", configuration: configuration)
        do {
            try await body(fs, cluster)
        } catch {
            await fs.close()
            await cluster.shutdown()
            throw error
        }
        await fs.close()
        await cluster.shutdown()
        try? FileManager.default.removeItem(atPath: sockets)
    }

    static func write(_ data: [UInt8], to path: String, _ fs: FileSystem) async throws {
        let output = try await fs.create(path)
        try await output.write(data)
        try await output.close()
    }

    /// Reads the whole file sequentially into a buffer of `bufferBytes`, as libhdfs's hdfsRead does.
    static func readAll(_ input: FileInputStream, bufferBytes: Int) async throws -> [UInt8] {
        nonisolated(unsafe) let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferBytes, alignment: 16)
        defer { buffer.deallocate() }
        var all: [UInt8] = []
        while true {
            let count = try await input.read(into: buffer)
            if count == 0 { break }
            all += UnsafeRawBufferPointer(rebasing: buffer[..<count])
        }
        return all
    }

    @Test func aShortCircuitReadReturnsExactlyTheBytes() async throws {
        try await Self.withCluster { fs, _ in
            let data = DataStreamTests.bytes(2 * (1 << 20) + 70_001, seed: 21)
            try await Self.write(data, to: "/sc/exact", fs)
            // Whole chunks read in place, and odd sizes that start and end inside chunks.
            for bufferBytes in [1 << 20, 100_000, 511] {
                let input = try await fs.open("/sc/exact")
                #expect(try await Self.readAll(input, bufferBytes: bufferBytes) == data)
                let statistics = await input.statistics
                #expect(statistics.totalBytesRead == Int64(data.count))
                #expect(statistics.totalShortCircuitBytesRead == Int64(data.count), "every byte read short-circuit")
                await input.close()
            }
            let input = try await fs.open("/sc/exact")
            for (offset, length) in [(0, 10), (513, 1), ((1 << 20) - 5, 10), (2 * (1 << 20) + 7, 80_000), (data.count - 3, 100)] {
                #expect(try await input.pread(offset: Int64(offset), length: length) == Array(data[offset..<min(data.count, offset + length)]))
            }
            #expect(try await input.read(maxBytes: 1000) == Array(data[0..<1000]))
            #expect(await input.statistics.totalShortCircuitBytesRead == (await input.statistics.totalBytesRead))
        }
    }

    @Test func aCorruptBlockFileIsCaughtByItsChecksumsAndReportedAndReadAround() async throws {
        try await Self.withCluster { fs, cluster in
            let data = DataStreamTests.bytes(2 * (1 << 20) + 777, seed: 22)
            try await Self.write(data, to: "/sc/corrupt", fs)
            // Flip a byte of the second block in the replica a reader tries first.
            let second = try await fs.blockLocations("/sc/corrupt")[1]
            let first = second.replicas[0].address
            let index = cluster.datanodes.firstIndex { "127.0.0.1:\($0.transferPort)" == first }!
            let file = try #require(FileManager.default.enumerator(atPath: cluster.directory + "/data\(index)")?
                .compactMap { $0 as? String }.first { $0.hasSuffix("/blk_\(second.blockID)") })
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: cluster.directory + "/data\(index)/" + file))
            try handle.seek(toOffset: 4097)
            let original = try #require(try handle.read(upToCount: 1))
            try handle.seek(toOffset: 4097)
            try handle.write(contentsOf: Data([original[0] ^ 0xFF]))
            try handle.close()

            let input = try await fs.open("/sc/corrupt")
            #expect(try await Self.readAll(input, bufferBytes: 256 * 1024) == data)
            // Another replica served the block, short-circuit too (its datanode is local as well).
            #expect(await input.statistics.totalShortCircuitBytesRead == Int64(data.count))
            await input.close()
            // As HDFS's client does, the corrupt replica was reported: the namenode stops offering it.
            var offered = [first]
            for _ in 0..<50 where offered.contains(first) {
                offered = try await fs.blockLocations("/sc/corrupt")[1].replicas.map(\.address)
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(!offered.contains(first))
        }
    }

    @Test func withoutTheSocketTheClientReadsOverTCP() async throws {
        // The client names a socket directory where no datanode listens.
        try await Self.withCluster(clientSocketPath: { $0 + "/absent/dn._PORT" }) { fs, _ in
            let data = DataStreamTests.bytes(1 << 20 | 12_345, seed: 23)
            try await Self.write(data, to: "/sc/tcp", fs)
            for _ in 0..<2 {
                let input = try await fs.open("/sc/tcp")
                #expect(try await Self.readAll(input, bufferBytes: 300_000) == data)
                #expect(await input.statistics.totalShortCircuitBytesRead == 0)
                #expect(await input.statistics.totalBytesRead == Int64(data.count))
                await input.close()
            }
        }
    }

    @Test func aFileBeingWrittenIsReadOverTCPUpToWhatWasFlushed() async throws {
        try await Self.withCluster { fs, _ in
            let data = DataStreamTests.bytes(1 << 20 | 4321, seed: 24)
            let output = try await fs.create("/sc/open")
            try await output.write(data)
            try await output.flush()
            // The first block is finalized (short-circuit); the second is being written (TCP).
            let input = try await fs.open("/sc/open")
            #expect(try await Self.readAll(input, bufferBytes: 1 << 20) == data)
            #expect(await input.statistics.totalShortCircuitBytesRead == 1 << 20)
            await input.close()
            try await output.close()
        }
    }
}
