import RFSDataTransfer
import Testing

@Suite("READ_BLOCK planning (BlockSender's rules)")
struct ReadPlanTests {
    @Test("an offset inside a chunk starts at that chunk; the end rounds up to a chunk")
    func insideChunk() throws {
        let plan = try ReadPlan(offset: 700, length: 100, replicaLength: 10_000, bytesPerChecksum: 512)
        #expect(plan.chunkOffset == 512)
        #expect(plan.endOffset == 1024)
        #expect(Array(plan.packets) == [
            PacketHeader(offsetInBlock: 512, seqno: 0, lastPacketInBlock: false, dataLen: 512),
            PacketHeader(offsetInBlock: 1024, seqno: 1, lastPacketInBlock: true, dataLen: 0),
        ])
        #expect(plan.chunkIndices(of: plan.packets[0]) == 1..<2)
        #expect(plan.chunkIndices(of: plan.packets[1]).isEmpty)
    }

    @Test("a range crossing a chunk boundary covers both chunks")
    func crossingChunks() throws {
        let plan = try ReadPlan(offset: 500, length: 20, replicaLength: 10_000, bytesPerChecksum: 512)
        #expect(plan.chunkOffset == 0)
        #expect(plan.endOffset == 1024)
        #expect(plan.packets.count == 2)
    }

    @Test("the end stops at the replica's end when that comes before the chunk boundary")
    func replicaEnd() throws {
        let plan = try ReadPlan(offset: 0, length: 1000, replicaLength: 1000, bytesPerChecksum: 512)
        #expect(plan.endOffset == 1000)
        #expect(plan.packets[0].dataLen == 1000)
        #expect(plan.chunkIndices(of: plan.packets[0]) == 0..<2)
        #expect(plan.packets[1] == PacketHeader(offsetInBlock: 1000, seqno: 1, lastPacketInBlock: true, dataLen: 0))
    }

    @Test("packets carry 64 KiB (128 chunks of 512), the last data packet the rest")
    func packetCuts() throws {
        let plan = try ReadPlan(offset: 0, length: 200_000, replicaLength: 200_000, bytesPerChecksum: 512)
        #expect(plan.chunksPerPacket == 128)
        #expect(plan.packets.map(\.dataLen) == [65536, 65536, 65536, 3392, 0])
        #expect(plan.packets.map(\.offsetInBlock) == [0, 65536, 131072, 196608, 200_000])
        #expect(plan.packets.map(\.seqno) == [0, 1, 2, 3, 4])
        // A chunk size that does not divide 64 KiB: ceil(65536 / 1000) = 66 chunks.
        #expect(try ReadPlan(offset: 0, length: 1, replicaLength: 1, bytesPerChecksum: 1000).packetDataBytes == 66_000)
        // A whole 128 MiB block: 2048 data packets and the last.
        let block = try ReadPlan(offset: 0, length: 128 << 20, replicaLength: 128 << 20, bytesPerChecksum: 512)
        #expect(block.packets.count == 2049)
        #expect(block.packets.last == PacketHeader(offsetInBlock: 128 << 20, seqno: 2048, lastPacketInBlock: true, dataLen: 0))
    }

    @Test("a length past the replica's end, or an offset past it, is refused with BlockSender's message")
    func pastTheEnd() {
        #expect(throws: ReadPlanRejection.rangeOutsideReplica(offset: 900, length: 200, replicaLength: 1000)) {
            try ReadPlan(offset: 900, length: 200, replicaLength: 1000, bytesPerChecksum: 512)
        }
        #expect(throws: ReadPlanRejection.rangeOutsideReplica(offset: 1001, length: 0, replicaLength: 1000)) {
            try ReadPlan(offset: 1001, length: 0, replicaLength: 1000, bytesPerChecksum: 512)
        }
        #expect(throws: ReadPlanRejection.rangeOutsideReplica(offset: UInt64.max, length: 1, replicaLength: 1000)) {
            try ReadPlan(offset: UInt64.max, length: 1, replicaLength: 1000, bytesPerChecksum: 512)
        }
        #expect(ReadPlanRejection.rangeOutsideReplica(offset: 900, length: 200, replicaLength: 1000).description
            == "offset 900 and length 200 don't match the replica (length 1000)")
    }

    @Test("a length Java reads as negative means the rest of the replica")
    func wholeReplica() throws {
        let plan = try ReadPlan(offset: 600, length: UInt64.max, replicaLength: 1000, bytesPerChecksum: 512)
        #expect(plan.requestedLength == 400)
        #expect(plan.chunkOffset == 512)
        #expect(plan.endOffset == 1000)
    }

    @Test("zero-length reads: at a chunk boundary only the last packet, inside a chunk that chunk (as Java)")
    func zeroLength() throws {
        let aligned = try ReadPlan(offset: 512, length: 0, replicaLength: 1000, bytesPerChecksum: 512)
        #expect(Array(aligned.packets) == [PacketHeader(offsetInBlock: 512, seqno: 0, lastPacketInBlock: true, dataLen: 0)])
        let inside = try ReadPlan(offset: 100, length: 0, replicaLength: 1000, bytesPerChecksum: 512)
        #expect(inside.chunkOffset == 0 && inside.endOffset == 512)
        let empty = try ReadPlan(offset: 0, length: 0, replicaLength: 0, bytesPerChecksum: 512)
        #expect(empty.packets.count == 1)
    }

    @Test("bad replica settings are typed rejections")
    func badSettings() {
        #expect(throws: ReadPlanRejection.invalidBytesPerChecksum(0)) {
            try ReadPlan(offset: 0, length: 0, replicaLength: 0, bytesPerChecksum: 0)
        }
        #expect(throws: ReadPlanRejection.invalidReplicaLength(-1)) {
            try ReadPlan(offset: 0, length: 0, replicaLength: -1, bytesPerChecksum: 512)
        }
    }

    @Test("for many ranges the packets tile [chunkOffset, endOffset) exactly and cover the request")
    func tiling() throws {
        var rng = SplitMix64(state: 42)
        for _ in 0..<2000 {
            let replica = Int64(rng.next() % 300_000)
            let bytesPerChecksum = [1, 7, 512, 1000, 4096][Int(rng.next() % 5)]
            let offset = UInt64(replica) == 0 ? 0 : rng.next() % UInt64(replica + 1)
            let length = rng.next() % (UInt64(replica) - offset + 1)
            let plan = try ReadPlan(offset: offset, length: length, replicaLength: replica, bytesPerChecksum: bytesPerChecksum)
            #expect(plan.chunkOffset <= Int64(offset) && plan.chunkOffset % Int64(bytesPerChecksum) == 0)
            #expect(plan.endOffset >= Int64(offset + length) && plan.endOffset <= replica)
            #expect(plan.endOffset == replica || plan.endOffset % Int64(bytesPerChecksum) == 0)
            var next = plan.chunkOffset
            for (index, header) in plan.packets.enumerated() {
                #expect(header.seqno == Int64(index))
                #expect(header.offsetInBlock == next)
                #expect(header.lastPacketInBlock == (index == plan.packets.count - 1))
                #expect(header.lastPacketInBlock == (header.dataLen == 0))
                #expect(Int(header.dataLen) <= plan.packetDataBytes)
                next += Int64(header.dataLen)
            }
            #expect(next == plan.endOffset)
        }
    }
}
