import Crypto
import Foundation
import NIOPosix
import RFSChecksum
import RFSDataTransfer
import RFSMiniCluster
import RFSModel
import RFSProtocol
import RFSRPC
import RFSTransferIO
import Testing

/// Real datanodes in an in-process mini-cluster, driven over DataTransferProtocol the way a
/// client does: a three-node write pipeline, reads from every replica, block checksums.
@Suite(.serialized) struct PipelineTests {
    static let clientName = "rfs-test-client"

    static func namenode(_ cluster: MiniCluster) -> RPCClient {
        RPCClient(configuration: RPCClientConfiguration(addresses: [cluster.namenodeAddress], user: "minicluster",
                                                        protocolName: ProtocolNames.clientProtocol),
                  group: MultiThreadedEventLoopGroup.singleton)
    }

    /// Creates `path` and allocates its first block.
    static func createWithBlock(_ path: String, rpc: RPCClient) async throws -> Hadoop_Hdfs_LocatedBlockProto {
        var create = Hadoop_Hdfs_CreateRequestProto()
        create.src = path
        create.masked.perm = 0o644
        create.clientName = clientName
        create.createFlag = 1
        create.createParent = true
        create.replication = 3
        create.blockSize = 128 << 20
        let created = try await rpc.call("create", create, returning: Hadoop_Hdfs_CreateResponseProto.self, idempotent: false)
        var add = Hadoop_Hdfs_AddBlockRequestProto()
        add.src = path
        add.clientName = clientName
        add.fileID = created.fs.fileID
        return try await rpc.call("addBlock", add, returning: Hadoop_Hdfs_AddBlockResponseProto.self, idempotent: false).block
    }

    /// Writes `data` as the whole of `block` through its pipeline; returns the acks received.
    static func writeBlock(_ block: Hadoop_Hdfs_LocatedBlockProto, data: [UInt8]) async throws -> [Hadoop_Hdfs_PipelineAckProto] {
        let first = block.locs[0].id
        let connection = try await TransferConnection.connect(host: first.ipAddr, port: Int(first.xferPort),
                                                              group: MultiThreadedEventLoopGroup.singleton)
        defer { connection.close() }
        var op = Hadoop_Hdfs_OpWriteBlockProto()
        op.header.baseHeader.block = block.b
        op.header.clientName = clientName
        op.targets = Array(block.locs.dropFirst())
        op.stage = .pipelineSetupCreate
        op.pipelineSize = UInt32(block.locs.count)
        op.latestGenerationStamp = block.b.generationStamp
        op.minBytesRcvd = 0
        op.maxBytesRcvd = 0
        op.requestedChecksum = ChunkedChecksum.hdfsDefault.proto
        try await connection.send(try OpRequest(opcode: .writeBlock, message: op))
        let setup = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
        #expect(setup.status == .success)

        var packetizer = Packetizer(checksum: .hdfsDefault)
        let packets = packetizer.packets(for: data) + [packetizer.lastPacket()]
        for packet in packets { connection.write(packet.bytes, flush: false) }
        connection.channel.flush()
        var acks: [Hadoop_Hdfs_PipelineAckProto] = []
        for _ in packets { acks.append(try await connection.reader.readDelimited(Hadoop_Hdfs_PipelineAckProto.self)) }
        return acks
    }

    /// READ_BLOCK of `length` bytes at `offset` from one datanode, checksums verified.
    static func readBlock(_ block: Hadoop_Hdfs_ExtendedBlockProto, from datanode: Hadoop_Hdfs_DatanodeIDProto,
                          offset: UInt64, length: UInt64) async throws -> [UInt8] {
        let connection = try await TransferConnection.connect(host: datanode.ipAddr, port: Int(datanode.xferPort),
                                                              group: MultiThreadedEventLoopGroup.singleton)
        defer { connection.close() }
        var op = Hadoop_Hdfs_OpReadBlockProto()
        op.header.baseHeader.block = block
        op.header.clientName = clientName
        op.offset = offset
        op.len = length
        try await connection.send(try OpRequest(opcode: .readBlock, message: op))
        let reply = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
        #expect(reply.status == .success)
        let checksum = try ChunkedChecksum(proto: reply.readOpChecksumInfo.checksum)
        let chunkOffset = reply.readOpChecksumInfo.chunkOffset
        var bytes: [UInt8] = []
        while true {
            let (layout, frame) = try await connection.reader.readPacket(checksum: checksum)
            if layout.header.dataLen == 0 { break }
            try frame.withUnsafeReadableBytes { raw in
                let data = UnsafeRawBufferPointer(rebasing: raw[layout.dataRange])
                try checksum.verify(data, sums: UnsafeRawBufferPointer(rebasing: raw[layout.checksumRange]),
                                    baseOffset: Int(layout.header.offsetInBlock))
                bytes.append(contentsOf: data)
            }
        }
        try await connection.send(DataTransferReplies.clientReadStatus(checksumsVerified: true))
        let skip = Int(offset - chunkOffset)
        return Array(bytes[skip..<skip + Int(length)])
    }

    @Test func threeNodePipelineWritesEveryReplicaAndEachServesReadsAndChecksums() async throws {
        let cluster = try await MiniCluster.start(datanodes: 3)
        do {
            let rpc = Self.namenode(cluster)
            var block = try await Self.createWithBlock("/pipeline", rpc: rpc)
            #expect(block.locs.count == 3)
            var generator = SystemRandomNumberGenerator()
            let data = (0..<(300_000 + 17)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let acks = try await Self.writeBlock(block, data: data)
            #expect(acks.map(\.seqno) == Array(0..<Int64(acks.count)))
            #expect(acks.allSatisfy { $0.reply == [.success, .success, .success] })

            block.b.numBytes = UInt64(data.count)
            var complete = Hadoop_Hdfs_CompleteRequestProto()
            complete.src = "/pipeline"
            complete.clientName = Self.clientName
            complete.last = block.b
            var closed = false
            for _ in 0..<100 where !closed {
                closed = try await rpc.call("complete", complete, returning: Hadoop_Hdfs_CompleteResponseProto.self, idempotent: true).result
                if !closed { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(closed, "the namenode heard of the finalized replicas and closed the file")

            var sums = [UInt8](repeating: 0, count: ChunkedChecksum.hdfsDefault.checksumsLength(forDataLength: data.count))
            data.withUnsafeBytes { bytes in sums.withUnsafeMutableBytes { ChunkedChecksum.hdfsDefault.compute(bytes, into: $0) } }
            let expectedMD5 = Data(Insecure.MD5.hash(data: sums))
            for location in block.locs {
                #expect(try await Self.readBlock(block.b, from: location.id, offset: 0, length: UInt64(data.count)) == data)
                #expect(try await Self.readBlock(block.b, from: location.id, offset: 1001, length: 70_000) == Array(data[1001..<71_001]))

                let connection = try await TransferConnection.connect(host: location.id.ipAddr, port: Int(location.id.xferPort),
                                                                      group: MultiThreadedEventLoopGroup.singleton)
                var op = Hadoop_Hdfs_OpBlockChecksumProto()
                op.header.block = block.b
                try await connection.send(try OpRequest(opcode: .blockChecksum, message: op))
                let reply = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
                connection.close()
                #expect(reply.status == .success)
                #expect(reply.checksumResponse.bytesPerCrc == 512)
                #expect(reply.checksumResponse.blockChecksum == expectedMD5)
            }
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }

    @Test func readsOfAMissingBlockOrPastTheEndAreRefused() async throws {
        let cluster = try await MiniCluster.start(datanodes: 1)
        do {
            let rpc = Self.namenode(cluster)
            let block = try await Self.createWithBlock("/short", rpc: rpc)
            _ = try await Self.writeBlock(block, data: Array(repeating: 7, count: 1000))
            let datanode = block.locs[0].id
            for (blockID, offset, length) in [(block.b.blockID + 99, UInt64(0), UInt64(1)), (block.b.blockID, 900, 200)] {
                let connection = try await TransferConnection.connect(host: datanode.ipAddr, port: Int(datanode.xferPort),
                                                                      group: MultiThreadedEventLoopGroup.singleton)
                var op = Hadoop_Hdfs_OpReadBlockProto()
                op.header.baseHeader.block = block.b
                op.header.baseHeader.block.blockID = blockID
                op.header.clientName = Self.clientName
                op.offset = offset
                op.len = length
                try await connection.send(try OpRequest(opcode: .readBlock, message: op))
                let reply = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
                connection.close()
                #expect(reply.status == .error)
                #expect(!reply.message.isEmpty)
            }
        } catch {
            await cluster.shutdown()
            throw error
        }
        await cluster.shutdown()
    }
}
