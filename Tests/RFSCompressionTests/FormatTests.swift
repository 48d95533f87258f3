import RFSCompression
import Testing

@Suite("Self-describing formats")
struct FormatTests {
    @Test("LZ4 and snappy buffers have Hadoop's block layout", arguments: [CodecKind.lz4, .snappy])
    func hadoopLayout(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.logLines(3000, seed: 20)
        let compressed = try codec.compress(input)
        let raw = try rawBlock(codec, input)
        #expect(compressed == bigEndian32(input.count) + bigEndian32(raw.count) + raw)
        #expect(try codec.compress([]) == [0, 0, 0, 0], "an empty stream is one empty block, as Hadoop writes it")
    }

    @Test("large inputs are cut into chunks Hadoop's 256 KiB codec buffer holds", arguments: [CodecKind.lz4, .snappy])
    func hadoopChunking(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.random(1 << 20, seed: 26)  // incompressible: chunks are at their largest
        let chunkInputMax = kind == .lz4 ? 261_100 : 218_422
        let compressed = try codec.compress(input)
        #expect(Array(compressed.prefix(4)) == bigEndian32(input.count))
        var offset = 4
        var start = 0
        while offset < compressed.count {
            let length = compressed[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            #expect(length <= 256 << 10, "a compressed chunk fits Hadoop's buffer")
            let chunk = Array(compressed[offset + 4..<offset + 4 + length])
            let end = min(start + chunkInputMax, input.count)
            #expect(sameBytes(try rawDecompress(codec, chunk, capacity: 256 << 10), Array(input[start..<end])))
            start = end
            offset += 4 + length
        }
        #expect(start == input.count && offset == compressed.count)
    }

    @Test("several blocks of several chunks, as Hadoop writes large streams", arguments: [CodecKind.lz4, .snappy])
    func hadoopMultiBlock(kind: CodecKind) throws {
        let codec = Codec(kind)
        let first = TestData.logLines(10_000, seed: 21)
        let second = TestData.csvRows(30_000, seed: 22)
        let chunks = [Array(second[0..<12_345]), Array(second[12_345...])]
        var stream = bigEndian32(first.count)
        let firstBlock = try rawBlock(codec, first)
        stream += bigEndian32(firstBlock.count) + firstBlock
        stream += bigEndian32(second.count)
        for chunk in chunks {
            let block = try rawBlock(codec, chunk)
            stream += bigEndian32(block.count) + block
        }
        stream += [0, 0, 0, 0]  // an empty block at the end is allowed
        #expect(sameBytes(try codec.decompress(stream), first + second))
        #expect(sameBytes(try codec.decompress(stream, decompressedSize: 40_000), first + second))
        #expect(throws: CodecError.self) { try codec.decompress(stream, decompressedSize: 39_999) }
        #expect(throws: CodecError.decompressedSizeTooLarge(codec: kind, declared: 40_000, limit: 39_000)) {
            try Codec(kind, maxDecompressedBytes: 39_000).decompress(stream)
        }
        #expect(try codec.decompress([0, 0, 0, 0, 0, 0, 0, 0]) == [])
    }

    @Test("a chunk that decodes past its block is corrupt", arguments: [CodecKind.lz4, .snappy])
    func chunkPastBlock(kind: CodecKind) throws {
        let codec = Codec(kind)
        let block = try rawBlock(codec, TestData.logLines(1000, seed: 23))
        let stream = bigEndian32(999) + bigEndian32(block.count) + block
        do {
            _ = try codec.decompress(stream)
            Issue.record("decoded a chunk longer than its block")
        } catch {
            guard case .corruptInput(kind, _) = error else {
                Issue.record("expected corruptInput, got \(error)")
                return
            }
        }
    }

    @Test("zstd buffers are standard frames: content size first, concatenations read whole")
    func zstdFrames() throws {
        let codec = Codec.zstd()
        let a = TestData.logLines(20_000, seed: 24)
        let b = TestData.random(5000, seed: 25)
        let frameA = try codec.compress(a)
        #expect(Array(frameA.prefix(4)) == [0x28, 0xB5, 0x2F, 0xFD], "zstd's magic number")
        #expect(try rawDecompress(codec, frameA, capacity: a.count) == a, "the raw block is the same frame")
        let both = try frameA + codec.compress(b)
        #expect(sameBytes(try codec.decompress(both), a + b))
        #expect(sameBytes(try codec.decompress(both, decompressedSize: 25_000), a + b))
        #expect(throws: CodecError.self) { try codec.decompress(both, decompressedSize: 24_999) }
        #expect(throws: CodecError.decompressedSizeTooLarge(codec: .zstd, declared: nil, limit: 24_000)) {
            try Codec.zstd(maxDecompressedBytes: 24_000).decompress(both)
        }
    }

    /// A zstd frame with no content size, as streaming writers (the `zstd` tool reading a
    /// pipe, Hadoop's ZStandardCodec) produce: `count` RLE blocks of 128 KiB of `byte`.
    static func unsizedFrame(blocks count: Int, byte: UInt8) -> [UInt8] {
        // Magic; frame header descriptor 0 (no content size, not single-segment, no checksum);
        // window descriptor 0x38 (exponent 7: a 128 KiB window).
        var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x38]
        for index in 0..<count {
            // Block header, 3 bytes little-endian: last-block bit, type 1 (RLE), size << 3.
            let header = UInt32(index == count - 1 ? 1 : 0) | 1 << 1 | UInt32(128 << 10) << 3
            frame += [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16), byte]
        }
        return frame
    }

    @Test("zstd frames without a content size stream, within the limit")
    func zstdUnsized() throws {
        let frame = Self.unsizedFrame(blocks: 5, byte: 0x41)
        let expected = [UInt8](repeating: 0x41, count: 5 * 128 << 10)
        #expect(sameBytes(try Codec.zstd().decompress(frame), expected))
        #expect(sameBytes(try Codec.zstd().decompress(frame, decompressedSize: expected.count), expected))
        #expect(sameBytes(try Codec.zstd(maxDecompressedBytes: expected.count).decompress(frame), expected),
                "exactly at the limit")
        #expect(throws: CodecError.self) { try Codec.zstd().decompress(frame, decompressedSize: 100) }
        #expect(throws: CodecError.decompressedSizeTooLarge(codec: .zstd, declared: nil, limit: expected.count - 1)) {
            try Codec.zstd(maxDecompressedBytes: expected.count - 1).decompress(frame)
        }
        // 33 bytes that would inflate to 1 GiB stop at the limit.
        let bomb = Self.unsizedFrame(blocks: 8192, byte: 0)
        #expect(throws: CodecError.decompressedSizeTooLarge(codec: .zstd, declared: nil, limit: 1 << 20)) {
            try Codec.zstd(maxDecompressedBytes: 1 << 20).decompress(bomb)
        }
        #expect(sameBytes(try rawDecompress(.zstd(), frame, capacity: expected.count), expected))
        #expect(throws: CodecError.self) { try Codec.zstd().decompress(Array(frame.dropLast(2))) }
    }

    @Test("a zstd frame declaring 1 TiB is refused before allocating")
    func zstdAbsurdContentSize() throws {
        // Descriptor 0xE0: 8-byte content size, single segment; then one last RLE block of 1 byte.
        var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0xE0]
        withUnsafeBytes(of: (UInt64(1) << 40).littleEndian) { frame += $0 }
        frame += [0x0B, 0x00, 0x00, 0x41]
        let limit = CompressionLimits.decompressedBytesDefault
        #expect(throws: CodecError.decompressedSizeTooLarge(codec: .zstd, declared: 1 << 40, limit: limit)) {
            try Codec.zstd().decompress(frame)
        }
    }

    @Test("codec names as Hadoop resolves them")
    func names() {
        #expect(CodecKind.allCases.map(\.rawValue) == ["lz4", "zstd", "snappy"])
        let resolved: [(String, CodecKind?)] = [
            ("lz4", .lz4), ("LZ4", .lz4), ("Lz4Codec", .lz4), ("org.apache.hadoop.io.compress.Lz4Codec", .lz4),
            ("zstd", .zstd), ("ZStandard", .zstd), ("ZStandardCodec", .zstd),
            ("org.apache.hadoop.io.compress.ZStandardCodec", .zstd),
            ("snappy", .snappy), ("SnappyCodec", .snappy),
            ("gzip", nil), ("", nil), ("lz4codecs", nil),
        ]
        for (name, kind) in resolved {
            #expect(CodecKind(hadoopCodecName: name) == kind, "\(name)")
        }
    }
}
