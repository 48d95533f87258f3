import RFSChecksum
import RFSDataTransfer
import Testing

@Suite("Packetizer: the writer's packets")
struct PacketizerTests {
    @Test("HDFS's chunks-per-packet rule: 64 KiB with CRC32C/512 is 126 chunks, 64512 data bytes")
    func sizing() {
        let sizing = PacketSizing(checksum: .hdfsDefault)
        #expect(sizing.chunksPerPacket == 126)
        #expect(sizing.dataBytesPerPacket == 64512)
        // (65536 - 33) / (1024 + 4) = 63
        #expect(PacketSizing(checksum: ChunkedChecksum(type: .crc32, bytesPerChecksum: 1024)).chunksPerPacket == 63)
        // NULL sums take no room: (65536 - 33) / 512 = 127
        #expect(PacketSizing(checksum: ChunkedChecksum(type: .null, bytesPerChecksum: 512)).chunksPerPacket == 127)
        // Too small a packet size still carries one chunk (HDFS's max(…, 1)).
        #expect(PacketSizing(writePacketSizeBytes: 100, checksum: .hdfsDefault).chunksPerPacket == 1)
        #expect(PacketSizing(writePacketSizeBytes: 0, checksum: .hdfsDefault).chunksPerPacket == 1)
        // A packet size beyond what a receiver accepts is brought down to fit.
        let huge = PacketSizing(writePacketSizeBytes: 1 << 30, checksum: .hdfsDefault)
        #expect(huge.chunksPerPacket * 516 + 33 <= 16 << 20)
    }

    @Test("a full default packet is a 65047-byte frame")
    func fullPacketFrame() {
        var packetizer = Packetizer(checksum: .hdfsDefault)
        let packets = packetizer.packets(for: randomBytes(64512, seed: 1))
        #expect(packets.count == 1)
        #expect(packets[0].bytes.count == 65047)
    }

    @Test("packets decode back to the data, with consecutive seqnos and offsets, and an empty last packet",
          arguments: [0, 1, 511, 512, 513, 64 << 10, (64 << 10) + 1, (1 << 20) + 7])
    func roundTrip(size: Int) throws {
        for checksum in [ChunkedChecksum.hdfsDefault, ChunkedChecksum(type: .crc32, bytesPerChecksum: 1000)] {
            let data = randomBytes(size, seed: UInt64(size))
            var packetizer = Packetizer(checksum: checksum)
            let packets = packetizer.packets(for: data)
            let last = packetizer.lastPacket()
            let perPacket = PacketSizing(checksum: checksum).dataBytesPerPacket
            #expect(packets.count == (size + perPacket - 1) / perPacket)

            let decoded = try decodeStream(packets.flatMap(\.bytes) + last.bytes, checksum: checksum, pieceBytes: 4096)
            #expect(decoded.count == packets.count + 1)
            #expect(decoded.dropLast().flatMap(\.data) == data)
            var offset: Int64 = 0
            for (index, packet) in decoded.enumerated() {
                #expect(packet.header.seqno == Int64(index))
                #expect(packet.header.offsetInBlock == offset)
                #expect(packet.header == (index < packets.count ? packets[index].header : last.header))
                try packet.verifyChecksums(checksum)
                if index < packets.count - 1 { #expect(Int(packet.header.dataLen) == perPacket) }
                offset += Int64(packet.header.dataLen)
            }
            let end = try #require(decoded.last)
            #expect(end.header == PacketHeader(offsetInBlock: Int64(size), seqno: Int64(packets.count), lastPacketInBlock: true, dataLen: 0))
            #expect(end.data.isEmpty && end.checksums.isEmpty)
        }
    }

    @Test("appending to a block whose last chunk is partial: the first packet completes the chunk")
    func appendMidChunk() throws {
        let checksum = ChunkedChecksum.hdfsDefault
        var packetizer = Packetizer(checksum: checksum, blockOffset: 1000, firstSeqno: 0)
        let data = randomBytes(70_000, seed: 9)
        let packets = packetizer.packets(for: data)
        #expect(packets[0].header == PacketHeader(offsetInBlock: 1000, seqno: 0, lastPacketInBlock: false, dataLen: 24))
        #expect(packets[1].header.offsetInBlock == 1024)
        #expect(packets[1].header.dataLen == 64512)
        let lastOffset: Int64 = try #require(packets.last).header.offsetInBlock
        #expect(lastOffset == 1024 + 64512)
        let decoded = try decodeStream(packets.flatMap(\.bytes), checksum: checksum, pieceBytes: 1 << 16)
        #expect(decoded.flatMap(\.data) == data)
        // The first packet's one sum covers only the 24 new bytes.
        #expect(Array(decoded[0].checksums) == checksum.compute(Array(data.prefix(24))))
        for packet in decoded { try packet.verifyChecksums(checksum) }
    }

    @Test("successive writes continue seqnos and offsets; hsync marks only the write's last packet")
    func successiveWrites() {
        var packetizer = Packetizer(checksum: .hdfsDefault, sizing: PacketSizing(chunksPerPacket: 2, bytesPerChecksum: 512))
        let first = packetizer.packets(for: randomBytes(2048, seed: 1), syncBlock: true)
        #expect(first.map(\.header.syncBlock) == [false, true])
        #expect(first.map(\.header.bytes) == [25, 27])
        let second = packetizer.packets(for: randomBytes(100, seed: 2))
        #expect(second.map(\.header) == [PacketHeader(offsetInBlock: 2048, seqno: 2, lastPacketInBlock: false, dataLen: 100)])
        #expect(packetizer.nextSeqno == 3)
        #expect(packetizer.offsetInBlock == 2148)
        #expect(packetizer.lastPacket(syncBlock: true).header
            == PacketHeader(offsetInBlock: 2148, seqno: 3, lastPacketInBlock: true, dataLen: 0, syncBlock: true))
    }

    @Test("headers cut as packets(for:) does, and a frame encoded in place is the same frame",
          arguments: [Int64(0), Int64(700)])
    func headersAndFramesInPlace(blockOffset: Int64) {
        let data = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var encoded = Packetizer(checksum: .hdfsDefault, blockOffset: blockOffset, firstSeqno: 3)
        var framed = Packetizer(checksum: .hdfsDefault, blockOffset: blockOffset, firstSeqno: 3)
        let packets = encoded.packets(for: data, syncBlock: true)
        let cuts = framed.headers(forDataBytes: data.count, syncBlock: true)
        #expect(cuts.map(\.header) == packets.map(\.header))
        #expect(framed.nextSeqno == encoded.nextSeqno && framed.offsetInBlock == encoded.offsetInBlock)
        data.withUnsafeBytes { raw in
            for (cut, packet) in zip(cuts, packets) {
                let frame = [UInt8](unsafeUninitializedCapacity: PacketFrame.frameBytes(cut.header, checksum: .hdfsDefault)) { out, count in
                    PacketFrame.encode(cut.header, data: UnsafeRawBufferPointer(rebasing: raw[cut.range]), checksum: .hdfsDefault,
                                       into: UnsafeMutableRawBufferPointer(out))
                    count = out.count
                }
                #expect(frame == packet.bytes)
            }
        }
    }
}

extension PacketHeader {
    /// Bytes of the header's encoding, for readable expectations.
    var bytes: Int { encodedBytes }

}
