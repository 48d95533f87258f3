import Foundation
import NIOPosix
import RFSChecksum
import RFSDataTransfer
import RFSMiniCluster
import RFSProtocol
import RFSTransferIO
import Testing

/// The datanode's Unix domain socket (`dfs.domain.socket.path`) and REQUEST_SHORT_CIRCUIT_FDS,
/// driven as HDFS's BlockReaderFactory drives it: op request, BlockOpResponseProto, then one
/// byte carrying the block and meta file descriptors.
@Suite(.serialized) struct ShortCircuitFdsTests {
    static func withCluster(_ body: (MiniCluster, String) async throws -> Void) async throws {
        let sockets = "/tmp/rfs-sc-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: sockets, withIntermediateDirectories: true)
        let cluster = try await MiniCluster.start(datanodes: 3, settings: ["dfs.domain.socket.path": sockets + "/dn._PORT"])
        do {
            try await body(cluster, sockets + "/dn._PORT")
        } catch {
            await cluster.shutdown()
            try? FileManager.default.removeItem(atPath: sockets)
            throw error
        }
        await cluster.shutdown()
        // Each datanode removes its socket file when it stops.
        #expect(try FileManager.default.contentsOfDirectory(atPath: sockets).isEmpty)
        try? FileManager.default.removeItem(atPath: sockets)
    }

    static func request(_ block: Hadoop_Hdfs_ExtendedBlockProto, on socket: DomainSocket, maxVersion: UInt32 = 1) throws -> Hadoop_Hdfs_BlockOpResponseProto {
        var op = Hadoop_Hdfs_OpRequestShortCircuitAccessProto()
        op.header.block = block
        op.maxVersion = maxVersion
        try socket.send(try OpRequest(opcode: .requestShortCircuitFds, message: op).bytes)
        return try socket.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
    }

    @Test func aLocalClientGetsTheBlockAndMetaFiles() async throws {
        try await Self.withCluster { cluster, template in
            let rpc = PipelineTests.namenode(cluster)
            defer { Task { await rpc.close() } }
            let block = try await PipelineTests.createWithBlock("/sc/granted", rpc: rpc)
            let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            _ = try await PipelineTests.writeBlock(block, data: data)
            var written = block.b
            written.numBytes = UInt64(data.count)

            let node = block.locs[0].id
            let socket = try DomainSocket.connect(path: ShortCircuit.socketPath(template: template, transferPort: Int(node.xferPort)),
                                                  timeoutMilliseconds: 5000)
            defer { socket.close() }
            let reply = try Self.request(written, on: socket)
            #expect(reply.status == .success)
            #expect(reply.shortCircuitAccessVersion == 1)
            let (byte, descriptors) = try socket.receiveDescriptors(expected: 2)
            defer { for descriptor in descriptors { close(descriptor) } }
            #expect(byte == UInt8(Hadoop_Hdfs_ShortCircuitFdResponse.doNotUseReceiptVerification.rawValue))

            // The block file holds the bytes; the meta file the header and one CRC32C per chunk.
            let blockFile = FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: false)
            #expect(Array(try blockFile.readToEnd() ?? Data()) == data)
            let meta = Array(try FileHandle(fileDescriptor: descriptors[1], closeOnDealloc: false).readToEnd() ?? Data())
            #expect(meta.prefix(7) == [0, 1, 2, 0, 0, 2, 0])
            #expect(meta.count == 7 + 4 * ((data.count + 511) / 512))
            try ChunkedChecksum.hdfsDefault.verify(data, sums: Array(meta.dropFirst(7)))

            // The connection carries another op: a second request on it is answered too.
            #expect(try Self.request(written, on: socket).status == .success)
            let (_, again) = try socket.receiveDescriptors(expected: 2)
            for descriptor in again { close(descriptor) }
        }
    }

    @Test func aMissingBlockIsRefusedWithError() async throws {
        try await Self.withCluster { cluster, template in
            let node = cluster.datanodes[0]
            let socket = try DomainSocket.connect(path: ShortCircuit.socketPath(template: template, transferPort: node.transferPort),
                                                  timeoutMilliseconds: 5000)
            defer { socket.close() }
            var missing = Hadoop_Hdfs_ExtendedBlockProto()
            missing.poolID = node.context.blockPoolID
            missing.blockID = 987_654_321
            missing.generationStamp = 1001
            missing.numBytes = 10
            let reply = try Self.request(missing, on: socket)
            // HDFS's DataXceiver answers an IOException (ReplicaNotFoundException) with ERROR and
            // its message; the client then leaves this datanode's socket alone for a while.
            #expect(reply.status == .error)
            #expect(reply.message.contains("Replica not found for blk_987654321"))
            guard case .refusedForDatanode = ShortCircuit.Answer(reply) else {
                Issue.record("an ERROR reply must make the client leave the socket alone")
                return
            }

            // A client that supports no block format version is refused for the file only.
            let old = try Self.request(missing, on: socket, maxVersion: 0)
            #expect(old.status == .errorUnsupported)
            #expect(old.hasShortCircuitAccessVersion)
        }
    }

    @Test func sharedMemoryOpsAndTCPRequestsAreRefusedCleanly() async throws {
        try await Self.withCluster { cluster, template in
            let node = cluster.datanodes[0]
            let socket = try DomainSocket.connect(path: ShortCircuit.socketPath(template: template, transferPort: node.transferPort),
                                                  timeoutMilliseconds: 5000)
            defer { socket.close() }
            var shm = Hadoop_Hdfs_ShortCircuitShmRequestProto()
            shm.clientName = "test"
            try socket.send(try OpRequest(opcode: .requestShortCircuitShm, message: shm).bytes)
            let shmReply = try socket.readDelimited(Hadoop_Hdfs_ShortCircuitShmResponseProto.self)
            #expect(shmReply.status == .errorUnsupported)
            #expect(shmReply.error.contains("shared memory"))

            var release = Hadoop_Hdfs_ReleaseShortCircuitAccessRequestProto()
            release.slotID.shmID.hi = 1
            release.slotID.shmID.lo = 2
            release.slotID.slotIdx = 3
            try socket.send(try OpRequest(opcode: .releaseShortCircuitFds, message: release).bytes)
            #expect(try socket.readDelimited(Hadoop_Hdfs_ReleaseShortCircuitAccessResponseProto.self).status == .errorUnsupported)

            // Descriptors cannot travel over TCP: the transfer port refuses the op with ERROR.
            let tcp = try await TransferConnection.connect(host: "127.0.0.1", port: node.transferPort, group: MultiThreadedEventLoopGroup.singleton)
            defer { tcp.close() }
            var op = Hadoop_Hdfs_OpRequestShortCircuitAccessProto()
            op.header.block.poolID = node.context.blockPoolID
            op.header.block.blockID = 1
            op.header.block.generationStamp = 1
            op.maxVersion = 1
            try await tcp.send(try OpRequest(opcode: .requestShortCircuitFds, message: op))
            let refused = try await tcp.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
            #expect(refused.status == .error)
            #expect(refused.message.contains("UNIX domain socket"))
        }
    }
}
