import Logging
import NIOPosix
import RFSClient
import RFSConfig
import RFSDataNode
import RFSMiniCluster
import RFSModel
import RFSProtocol
import RFSRPC
import Testing

/// A file still being written, read by another client: what the writer hflushed is readable
/// before it closes (the last block's length asked of its datanodes over
/// ClientDatanodeProtocol.getReplicaVisibleLength), and nothing it did not flush is.
@Suite(.serialized) struct UnderConstructionReadTests {
    /// A second client, as another process would have: its own connections and client name.
    static func reader(_ cluster: MiniCluster) throws -> FileSystem {
        try FileSystem(namenodes: [cluster.namenodeAddress], user: "minicluster")
    }

    static func readAll(_ fs: FileSystem, _ path: String) async throws -> [UInt8] {
        let input = try await fs.open(path)
        var all: [UInt8] = []
        while true {
            let part = try await input.read(maxBytes: 100_000)
            if part.isEmpty { break }
            all += part
        }
        await input.close()
        return all
    }

    @Test func hflushedBytesAreReadableBeforeTheWriterCloses() async throws {
        try await DataStreamTests.withCluster { fs, cluster in
            let reader = try Self.reader(cluster)
            defer { Task { await reader.close() } }
            // 70,000 + 1,000 bytes: a whole packet and a short one, ending inside a chunk.
            let first = DataStreamTests.bytes(71_000, seed: 11)
            let output = try await fs.create("/uc/flushed")
            try await output.write(first)
            try await output.flush()
            #expect(try await reader.fileStatus("/uc/flushed")?.length == 0, "the namenode knows no length of a block being written")
            let early = try await reader.open("/uc/flushed")
            #expect(await early.length == 71_000)
            #expect(try await Self.readAll(reader, "/uc/flushed") == first)

            // More bytes, past the first block (1 MiB here), flushed again: a new reader sees
            // them all; one opened before keeps the length it opened with.
            let second = DataStreamTests.bytes((1 << 20) + 5_000, seed: 12)
            try await output.write(second)
            try await output.flush(sync: true)
            #expect(try await Self.readAll(reader, "/uc/flushed") == first + second)
            #expect(await early.length == 71_000)
            #expect(try await early.pread(offset: 70_990, length: 100) == Array(first[70_990...]))

            // Written but not flushed: still buffered in the writer, so not readable.
            try await output.write(DataStreamTests.bytes(300, seed: 13))
            #expect(try await reader.open("/uc/flushed").length == Int64(first.count + second.count))

            try await output.close()
            #expect(try await Self.readAll(reader, "/uc/flushed").count == first.count + second.count + 300)
        }
    }

    @Test func aFileWithAnEmptyBlockUnderConstructionReadsAsItsCompleteBlocks() async throws {
        try await DataStreamTests.withCluster { fs, cluster in
            let reader = try Self.reader(cluster)
            defer { Task { await reader.close() } }
            let output = try await fs.create("/uc/empty")
            #expect(try await Self.readAll(reader, "/uc/empty").isEmpty)
            // Exactly one block, flushed: the next block is not allocated until a byte needs it.
            let block = DataStreamTests.bytes(1 << 20, seed: 14)
            try await output.write(block)
            try await output.flush()
            #expect(try await Self.readAll(reader, "/uc/empty") == block)
            try await output.close()
        }
    }

    /// The datanode's side, asked directly as the Java client asks it: the acknowledged
    /// length of a replica being written, the length of a finalized one, and HDFS's refusals.
    @Test func getReplicaVisibleLengthAnswersAndRefusesAsHDFS() async throws {
        try await DataStreamTests.withCluster { fs, cluster in
            let output = try await fs.create("/uc/asked")
            try await output.write(DataStreamTests.bytes(1_234, seed: 15))
            try await output.flush()
            let located = try await Self.located(cluster, "/uc/asked")
            #expect(located.underConstruction && !located.isLastBlockComplete)
            var block = located.lastBlock.b
            #expect(located.lastBlock.locs.count == 3)
            for location in located.lastBlock.locs {
                #expect(location.id.ipcPort > 0, "registrations name the IPC port clients ask")
                #expect(try await Self.visibleLength(block, at: location.id) == 1_234)
            }
            let datanode = located.lastBlock.locs[0].id

            var missing = block
            missing.blockID += 1_000_000
            await #expect(throws: RPCRemoteException.self) { _ = try await Self.visibleLength(missing, at: datanode) }
            await Self.expectRefusal(missing, at: datanode, className: HadoopException.replicaNotFound.rawValue)
            var newer = block
            newer.generationStamp += 5
            await Self.expectRefusal(newer, at: datanode, className: HadoopException.ioException.rawValue)

            try await output.close()
            block.numBytes = 1_234
            #expect(try await Self.visibleLength(block, at: datanode) == 1_234, "a finalized replica answers its length")
        }
    }

    static func located(_ cluster: MiniCluster, _ path: String) async throws -> Hadoop_Hdfs_LocatedBlocksProto {
        var request = Hadoop_Hdfs_GetBlockLocationsRequestProto()
        request.src = path
        request.offset = 0
        request.length = UInt64(Int64.max)
        let rpc = RPCClient(configuration: RPCClientConfiguration(addresses: [cluster.namenodeAddress],
                                                                   user: "minicluster", protocolName: ProtocolNames.clientProtocol),
                            group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        defer { Task { await rpc.close() } }
        return try await rpc.call("getBlockLocations", request, returning: Hadoop_Hdfs_GetBlockLocationsResponseProto.self,
                                  idempotent: true).locations
    }

    static func visibleLength(_ block: Hadoop_Hdfs_ExtendedBlockProto, at datanode: Hadoop_Hdfs_DatanodeIDProto) async throws -> UInt64 {
        var configuration = RPCClientConfiguration(addresses: [HostPort(host: datanode.ipAddr, port: Int(datanode.ipcPort))],
                                                   user: "minicluster", protocolName: ProtocolNames.clientDatanodeProtocol)
        configuration.maxRetries = 0
        let rpc = RPCClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        defer { Task { await rpc.close() } }
        var request = Hadoop_Hdfs_GetReplicaVisibleLengthRequestProto()
        request.block = block
        return try await rpc.call("getReplicaVisibleLength", request,
                                  returning: Hadoop_Hdfs_GetReplicaVisibleLengthResponseProto.self, idempotent: true).length
    }

    static func expectRefusal(_ block: Hadoop_Hdfs_ExtendedBlockProto, at datanode: Hadoop_Hdfs_DatanodeIDProto,
                              className: String) async {
        do {
            let length = try await visibleLength(block, at: datanode)
            Issue.record("blk_\(block.blockID)_\(block.generationStamp) answered \(length), expected \(className)")
        } catch let remote as RPCRemoteException {
            #expect(remote.exceptionClassName == className)
        } catch {
            Issue.record("expected \(className), got \(error)")
        }
    }
}
