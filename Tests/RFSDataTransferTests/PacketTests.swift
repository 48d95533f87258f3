import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import SwiftProtobuf
import Testing

@Suite("Packet headers and frames: layout")
struct PacketLayoutTests {
    @Test("the header for seqno 0, offset 0, 512 data bytes is 25 bytes of protobuf, field by field")
    func headerBytes() throws {
        let header = PacketHeader(offsetInBlock: 0, seqno: 0, lastPacketInBlock: false, dataLen: 512)
        let frame = PacketFrame.encode(header, data: [UInt8](repeating: 0, count: 512), checksum: .hdfsDefault)
        let headerBytes = Array(frame[6..<31])
        let expected: [UInt8] = [0x09] + littleEndian64(0) + [0x11] + littleEndian64(0) + [0x18, 0x00, 0x25, 0x00, 0x02, 0x00, 0x00]
        #expect(headerBytes == expected)
        #expect(headerBytes == (try header.proto.serializedBytes() as [UInt8]))
        #expect(header.encodedBytes == 25)
    }

    @Test("our field-by-field encoding equals SwiftProtobuf's for assorted headers, syncBlock adding 2 bytes")
    func headerMatchesSwiftProtobuf() throws {
        let headers = [
            PacketHeader(offsetInBlock: 0, seqno: 0, lastPacketInBlock: false, dataLen: 512),
            PacketHeader(offsetInBlock: 134_217_216, seqno: 2080, lastPacketInBlock: true, dataLen: 0, syncBlock: true),
            PacketHeader(offsetInBlock: Int64.max, seqno: -1, lastPacketInBlock: false, dataLen: Int32.max - 4),
            PacketHeader(offsetInBlock: -5, seqno: Int64.min, lastPacketInBlock: true, dataLen: 7, syncBlock: true),
            PacketHeader.heartbeat,
        ]
        for header in headers {
            let head = PacketFrame.encodeHead(header, checksums: UnsafeRawBufferPointer(start: nil, count: 0))
            #expect(Array(head[6...]) == (try header.proto.serializedBytes() as [UInt8]))
            #expect(Array(head[4..<6]) == [0, UInt8(header.encodedBytes)])
            #expect(header.encodedBytes == (header.syncBlock ? 27 : 25))
            #expect(PacketHeader(proto: header.proto) == header)
        }
        // Java's MAX_PROTO_SIZE: every field set, syncBlock = false spelled out.
        var maximal = Hadoop_Hdfs_PacketHeaderProto()
        maximal.offsetInBlock = 0; maximal.seqno = 0; maximal.lastPacketInBlock = false; maximal.dataLen = 0
        maximal.syncBlock = false
        #expect((try maximal.serializedBytes() as [UInt8]).count == DataTransferLimits.packetHeaderProtoBytesMax)
        #expect(DataTransferLimits.packetHeaderReserveBytes == 33)
    }

    @Test("frame arithmetic: payloadLen = 4 + sums + data, frame = 6 + header + sums + data")
    func frameLength() {
        let data = randomBytes(1000, seed: 1)
        let header = PacketHeader(offsetInBlock: 0, seqno: 0, lastPacketInBlock: false, dataLen: 1000)
        let frame = PacketFrame.encode(header, data: data, checksum: .hdfsDefault)
        #expect(frame.count == 6 + 25 + 8 + 1000)
        #expect(Array(frame[0..<4]) == bigEndian32(4 + 8 + 1000))
        #expect(Array(frame[4..<6]) == [0, 25])
        #expect(Array(frame[31..<39]) == ChunkedChecksum.hdfsDefault.compute(data))
        #expect(Array(frame[39...]) == data)
        #expect(PacketFrame.frameBytes(headerBytes: 25, checksumBytes: 8, dataBytes: 1000) == frame.count)
        #expect(PacketFrame.payloadLength(checksumBytes: 8, dataBytes: 1000) == 1012)
    }

    @Test("the empty last packet after two 512-byte packets is exactly these 31 bytes")
    func emptyLastPacketBytes() {
        var packetizer = Packetizer(checksum: .hdfsDefault, sizing: PacketSizing(chunksPerPacket: 1, bytesPerChecksum: 512))
        _ = packetizer.packets(for: randomBytes(1024, seed: 2)) // seqnos 0 and 1
        let last = packetizer.lastPacket()
        let expected: [UInt8] = [0, 0, 0, 4, 0, 25, 0x09] + littleEndian64(1024) + [0x11] + littleEndian64(2)
            + [0x18, 0x01, 0x25, 0, 0, 0, 0]
        #expect(last.bytes == expected)
        #expect(last.header == PacketHeader(offsetInBlock: 1024, seqno: 2, lastPacketInBlock: true, dataLen: 0))
        #expect(packetizer.isFinished)
    }

    @Test("encodeHead is the frame up to the data, for senders that write the data themselves")
    func encodeHead() {
        let data = randomBytes(700, seed: 3)
        let sums = ChunkedChecksum.hdfsDefault.compute(data)
        let header = PacketHeader(offsetInBlock: 512, seqno: 0, lastPacketInBlock: false, dataLen: 700)
        let head = sums.withUnsafeBytes { PacketFrame.encodeHead(header, checksums: $0) }
        #expect(head + data == PacketFrame.encode(header, data: data, checksum: .hdfsDefault))
    }
}

@Suite("Packet decoding")
struct PacketDecodingTests {
    let checksum = ChunkedChecksum.hdfsDefault

    func stream(_ sizes: [Int], seed: UInt64 = 7) -> (bytes: [UInt8], data: [UInt8]) {
        let data = randomBytes(sizes.reduce(0, +), seed: seed)
        var packetizer = Packetizer(checksum: checksum, sizing: PacketSizing(chunksPerPacket: 2, bytesPerChecksum: 512))
        var bytes: [UInt8] = []
        var start = 0
        for size in sizes {
            for packet in packetizer.packets(for: data[start..<start + size]) { bytes += packet.bytes }
            start += size
        }
        bytes += packetizer.lastPacket().bytes
        return (bytes, data)
    }

    @Test("a stream split at every byte boundary decodes to the same packets")
    func everySplit() throws {
        let (bytes, data) = stream([1100, 3])
        let whole = try decodeStream(bytes, checksum: checksum, pieceBytes: bytes.count)
        #expect(whole.map(\.header.seqno) == [0, 1, 2, 3])
        #expect(whole.flatMap(\.data) == data)
        for cut in 1..<bytes.count {
            var decoder = PacketDecoder(checksum: checksum)
            var packets: [DecodedPacket] = []
            decoder.append(bytes[0..<cut])
            while let packet = try decoder.next() { packets.append(packet) }
            decoder.append(bytes[cut...])
            while let packet = try decoder.next() { packets.append(packet) }
            try decoder.finish()
            #expect(packets == whole, "split at \(cut)")
        }
    }

    @Test("a stream fed one byte at a time decodes, and every packet verifies")
    func oneByteAtATime() throws {
        let (bytes, data) = stream([1024, 1, 511])
        let packets = try decodeStream(bytes, checksum: checksum, pieceBytes: 1)
        #expect(packets.flatMap(\.data) == data)
        #expect(packets.last?.header.lastPacketInBlock == true)
        for packet in packets { try packet.verifyChecksums(checksum) }
        #expect(packets.map(\.frame).reduce([], +) == bytes, "frames are what was received, for mirroring")
    }

    @Test("stateless parse reports the full frame length as soon as the prefix is in")
    func parseNeedsExactly() throws {
        let (bytes, _) = stream([100])
        #expect(try PacketFrame.parse(bytes[0..<5], checksum: checksum) == .needMoreBytes(frameBytes: nil))
        #expect(try PacketFrame.parse(bytes[0..<6], checksum: checksum) == .needMoreBytes(frameBytes: 6 + 25 + 4 + 100))
        guard case .packet(let layout) = try PacketFrame.parse(bytes, checksum: checksum) else {
            Issue.record("no packet")
            return
        }
        #expect(layout.frameBytes == 135)
        #expect(layout.checksumRange == 31..<35)
        #expect(layout.dataRange == 35..<135)
    }

    @Test("a huge payloadLen is refused from the six-byte prefix alone")
    func hugePayload() {
        let prefix: [UInt8] = bigEndian32(0x7FFF_FFF0) + [0, 25]
        #expect(throws: PacketError.packetTooLarge(payloadBytes: 0x7FFF_FFF0, headerBytes: 25, limit: 16 << 20)) {
            try PacketFrame.parse(prefix, checksum: checksum)
        }
        #expect(throws: PacketError.invalidPayloadLength(0xFFFF_FFFF)) {
            try PacketFrame.parse(bigEndian32(0xFFFF_FFFF) + [0, 25], checksum: checksum)
        }
        #expect(throws: PacketError.invalidPayloadLength(3)) {
            try PacketFrame.parse(bigEndian32(3) + [0, 25], checksum: checksum)
        }
        // payloadLen + headerLen just over 16 MiB.
        #expect(throws: PacketError.packetTooLarge(payloadBytes: (16 << 20) - 24, headerBytes: 25, limit: 16 << 20)) {
            try PacketFrame.parse(bigEndian32(UInt32((16 << 20) - 24)) + [0, 25], checksum: checksum)
        }
    }

    @Test("a header length over the bound, or running into the sums, is a typed error")
    func headerLengths() throws {
        #expect(throws: PacketError.headerTooLarge(headerBytes: 0xFFFF, limit: 1024)) {
            try PacketFrame.parse(bigEndian32(4) + [0xFF, 0xFF], checksum: checksum)
        }
        // headerLen one byte longer than the header: the proto swallows the next byte (here a
        // zero, which is no valid protobuf tag).
        var last = Packetizer(checksum: checksum).lastPacketBytes()
        last[5] = 26
        do {
            _ = try PacketFrame.parse(last + [0], checksum: checksum)
            Issue.record("a header running past its end decoded")
        } catch {
            guard case .headerUndecodable = error else { Issue.record("unexpected \(error)"); return }
        }
        // The payload cannot pay for a header's claim of data either.
        var (bytes, _) = stream([100])
        bytes[0..<4] = ArraySlice(bigEndian32(4 + 4))
        #expect(throws: PacketError.dataLengthExceedsPayload(seqno: 0, dataLen: 100, payloadDataBytes: 4)) {
            try PacketFrame.parse(bytes, checksum: checksum)
        }
        // A header missing its required fields.
        #expect(throws: PacketError.self) { try PacketFrame.parse(bigEndian32(4) + [0, 0], checksum: checksum) }
    }

    @Test("checksum bytes that do not match dataLen and the chunk size are refused")
    func checksumLengthMismatch() throws {
        // 1000 data bytes need two sums under CRC32C/512; send one.
        let data = randomBytes(1000, seed: 4)
        let sums = Array(checksum.compute(data).prefix(4))
        let header = PacketHeader(offsetInBlock: 0, seqno: 5, lastPacketInBlock: false, dataLen: 1000)
        let frame = sums.withUnsafeBytes { s in data.withUnsafeBytes { d in PacketFrame.encode(header, checksums: s, data: d) } }
        #expect(throws: PacketError.checksumLengthMismatch(seqno: 5, dataLen: 1000, checksumBytes: 4, expectedBytes: 8, checksum: checksum)) {
            try PacketFrame.parse(frame, checksum: checksum)
        }
        // The same frame is fine for 1024-byte chunks.
        #expect(throws: Never.self) { try PacketFrame.parse(frame, checksum: ChunkedChecksum(type: .crc32c, bytesPerChecksum: 1024)) }
    }

    @Test("dataLen beyond the payload, or negative, is refused")
    func dataLengthBounds() {
        let header = PacketHeader(offsetInBlock: 0, seqno: 0, lastPacketInBlock: false, dataLen: 10)
        var frame = PacketFrame.encode(header, data: [UInt8](repeating: 1, count: 10), checksum: checksum)
        // Claim 20 data bytes in the header (dataLen's bytes follow tag 0x25 at header offset 21).
        frame[6 + 21] = 20
        #expect(throws: PacketError.dataLengthExceedsPayload(seqno: 0, dataLen: 20, payloadDataBytes: 14)) {
            try PacketFrame.parse(frame, checksum: checksum)
        }
        frame[6 + 21] = 0xFF; frame[6 + 22] = 0xFF; frame[6 + 23] = 0xFF; frame[6 + 24] = 0xFF
        #expect(throws: PacketError.negativeDataLength(seqno: 0, dataLen: -1)) { try PacketFrame.parse(frame, checksum: checksum) }
    }

    @Test("a flipped data byte fails verification naming its chunk's offset in the block")
    func flippedByte() throws {
        let data = randomBytes(1536, seed: 5)
        let header = PacketHeader(offsetInBlock: 4096, seqno: 9, lastPacketInBlock: false, dataLen: 1536)
        var frame = PacketFrame.encode(header, data: data, checksum: checksum)
        let dataStart = 6 + 25 + 12
        frame[dataStart + 1100] ^= 0x01 // third chunk: block offset 4096 + 1024
        var decoder = PacketDecoder(checksum: checksum)
        decoder.append(frame)
        let packet = try #require(try decoder.next())
        do {
            try packet.verifyChecksums(checksum)
            Issue.record("a corrupt packet verified")
        } catch {
            guard case .checksumMismatch(let seqno, let offset, _, _, let type) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(seqno == 9)
            #expect(offset == 4096 + 1024)
            #expect(type == .crc32c)
        }
    }

    @Test("a stream that ends inside a packet is truncated; between packets it is not")
    func truncatedStream() throws {
        let (bytes, _) = stream([600])
        var decoder = PacketDecoder(checksum: checksum)
        decoder.append(bytes.prefix(40))
        #expect(try decoder.next() == nil)
        #expect(throws: PacketError.truncated(bufferedBytes: 40, frameBytes: 6 + 25 + 8 + 600)) { try decoder.finish() }
        #expect(throws: PacketError.truncated(bufferedBytes: 40, frameBytes: 6 + 25 + 8 + 600)) { try decoder.next() }

        var shortPrefix = PacketDecoder(checksum: checksum)
        shortPrefix.append(bytes.prefix(3))
        #expect(throws: PacketError.truncated(bufferedBytes: 3, frameBytes: nil)) { try shortPrefix.finish() }

        var clean = PacketDecoder(checksum: checksum)
        clean.append(bytes)
        while try clean.next() != nil {}
        try clean.finish()
    }

    @Test("an error is final: later bytes are not decoded")
    func stickyError() throws {
        var decoder = PacketDecoder(checksum: checksum)
        decoder.append(bigEndian32(2) + [0, 25])
        #expect(throws: PacketError.invalidPayloadLength(2)) { try decoder.next() }
        decoder.append(stream([10]).bytes)
        #expect(throws: PacketError.invalidPayloadLength(2)) { try decoder.next() }
    }

    @Test("read-side sanity: data packets carry data, the last carries none, seqnos follow")
    func sanity() throws {
        let data = PacketHeader(offsetInBlock: 0, seqno: 0, lastPacketInBlock: false, dataLen: 512)
        try data.checkFollows(seqno: -1)
        #expect(throws: PacketError.outOfSequence(expected: 1, received: 0)) { try data.checkFollows(seqno: 0) }
        let empty = PacketHeader(offsetInBlock: 512, seqno: 1, lastPacketInBlock: false, dataLen: 0)
        #expect(throws: PacketError.emptyDataPacket(seqno: 1)) { try empty.checkFollows(seqno: 0) }
        let badLast = PacketHeader(offsetInBlock: 512, seqno: 1, lastPacketInBlock: true, dataLen: 3)
        #expect(throws: PacketError.lastPacketHasData(seqno: 1, dataLen: 3)) { try badLast.checkFollows(seqno: 0) }
    }

    @Test("hdfs-native's last packet spells out syncBlock and decodes like ours")
    func explicitSyncBlock() throws {
        var proto = PacketHeader(offsetInBlock: 100, seqno: 1, lastPacketInBlock: true, dataLen: 0).proto
        proto.syncBlock = true
        let headerBytes: [UInt8] = try proto.serializedBytes()
        let frame = bigEndian32(4) + [0, UInt8(headerBytes.count)] + headerBytes
        guard case .packet(let layout) = try PacketFrame.parse(frame, checksum: checksum) else {
            Issue.record("no packet")
            return
        }
        #expect(layout.header == PacketHeader(offsetInBlock: 100, seqno: 1, lastPacketInBlock: true, dataLen: 0, syncBlock: true))
    }

    @Test("with NULL checksums a packet carries no sums")
    func nullChecksum() throws {
        let none = ChunkedChecksum(type: .null, bytesPerChecksum: 512)
        var packetizer = Packetizer(checksum: none)
        let data = randomBytes(2000, seed: 6)
        let bytes = packetizer.packets(for: data).flatMap(\.bytes) + packetizer.lastPacket().bytes
        #expect(bytes.count == 6 + 25 + 2000 + 6 + 25)
        let packets = try decodeStream(bytes, checksum: none, pieceBytes: 100)
        #expect(packets.flatMap(\.data) == data)
        try packets[0].verifyChecksums(none)
    }
}
