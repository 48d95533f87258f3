import RFSCompression
import Testing

/// The worst case of a self-describing buffer: zstd's frame bound; for LZ4 and snappy, a
/// 4-byte block header plus, per chunk of Hadoop's size, a 4-byte length and the raw bound.
func selfDescribingBound(_ codec: Codec, _ size: Int) -> Int {
    guard codec.kind != .zstd else { return codec.maxCompressedLength(size) }
    let chunkBytes = codec.kind == .lz4 ? 261_100 : 218_422
    let (full, rest) = size.quotientAndRemainder(dividingBy: chunkBytes)
    return 4 + full * (4 + codec.maxCompressedLength(chunkBytes)) + (rest == 0 ? 0 : 4 + codec.maxCompressedLength(rest))
}

@Suite("Round trips")
struct RoundTripTests {
    @Test("empty input, self-describing and raw", arguments: CodecKind.allCases)
    func empty(kind: CodecKind) throws {
        let codec = Codec(kind)
        let compressed = try codec.compress([])
        #expect(!compressed.isEmpty)
        #expect(try codec.decompress(compressed) == [])
        #expect(try codec.decompress(compressed, decompressedSize: 0) == [])

        // A nil base address must not reach the C libraries.
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        let block = try codec.compress(none)
        #expect(try codec.decompress(block) == [])
        let raw = try rawBlock(codec, [])
        #expect(try rawDecompress(codec, raw, capacity: 0) == [])
        let written = try raw.withUnsafeBytes { try codec.decompress($0, into: UnsafeMutableRawBufferPointer(start: nil, count: 0)) }
        #expect(written == 0)
    }

    @Test("one byte", arguments: CodecKind.allCases)
    func oneByte(kind: CodecKind) throws {
        let codec = Codec(kind)
        for byte: UInt8 in [0, 0x41, 0xFF] {
            #expect(try codec.decompress(codec.compress([byte])) == [byte])
            #expect(try rawDecompress(codec, rawBlock(codec, [byte]), capacity: 1) == [byte])
        }
    }

    @Test("random bytes of assorted sizes", arguments: CodecKind.allCases)
    func randomBytes(kind: CodecKind) throws {
        let codec = Codec(kind)
        for (index, size) in [2, 7, 100, 4095, 65_536, 65_537, (1 << 20) + 3].enumerated() {
            let input = TestData.random(size, seed: UInt64(index))
            let compressed = try codec.compress(input)
            #expect(compressed.count <= selfDescribingBound(codec, size), "incompressible data stays within the bound")
            #expect(sameBytes(try codec.decompress(compressed), input), "size \(size)")
            #expect(sameBytes(try codec.decompress(compressed, decompressedSize: size), input), "size \(size)")

            let raw = try rawBlock(codec, input)
            #expect(raw.count <= codec.maxCompressedLength(size))
            #expect(sameBytes(try rawDecompress(codec, raw, capacity: size), input), "raw, size \(size)")
            // More room than needed is fine; the count says how much was written.
            #expect(sameBytes(try rawDecompress(codec, raw, capacity: size + 100), input), "raw, size \(size) + 100")
        }
    }

    @Test("highly repetitive data shrinks a lot", arguments: CodecKind.allCases)
    func repetitive(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.repetitive(1 << 20)
        let compressed = try codec.compress(input)
        // Snappy's best case is about 1/21 (a 3-byte copy per 64 bytes); the others do far better.
        #expect(compressed.count < input.count / 16, "\(compressed.count) bytes")
        #expect(sameBytes(try codec.decompress(compressed), input))
    }

    @Test("log lines", arguments: CodecKind.allCases)
    func logLines(kind: CodecKind) throws {
        let codec = Codec(kind)
        for (index, size) in [300, 65_536, 3 << 20].enumerated() {
            let input = TestData.logLines(size, seed: 100 + UInt64(index))
            let compressed = try codec.compress(input)
            #expect(sameBytes(try codec.decompress(compressed), input), "size \(size)")
            if size >= 65_536 {
                #expect(Double(compressed.count) < Double(size) * 0.6, "ratio \(Double(compressed.count) / Double(size))")
            }
        }
    }

    @Test("CSV rows", arguments: CodecKind.allCases)
    func csvRows(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.csvRows(1 << 20, seed: 7)
        let compressed = try codec.compress(input)
        #expect(Double(compressed.count) < Double(input.count) * 0.6)
        #expect(sameBytes(try codec.decompress(compressed), input))
        let raw = try rawBlock(codec, input)
        #expect(sameBytes(try rawDecompress(codec, raw, capacity: input.count), input))
    }

    @Test("zstd compresses text tighter than LZ4 and snappy")
    func zstdIsTighterOnText() throws {
        let input = TestData.logLines(1 << 20, seed: 11)
        let sizes = try CodecKind.allCases.map { try Codec($0).compress(input).count }
        let zstd = sizes[CodecKind.allCases.firstIndex(of: .zstd)!]
        #expect(sizes.allSatisfy { zstd <= $0 }, "\(zip(CodecKind.allCases, sizes).map { "\($0)=\($1)" })")
    }

    @Test("tuning: zstd levels and LZ4 acceleration all round-trip")
    func tuning() throws {
        let input = TestData.logLines(256 << 10, seed: 12)
        let codecs: [Codec] = [.zstd(), .zstd(level: 1), .zstd(level: 19), .zstd(level: -5), .zstd(level: 0),
                               .zstd(checksum: true), .lz4(acceleration: 1), .lz4(acceleration: 64),
                               .lz4(acceleration: 65_537)]
        var sizes: [String: Int] = [:]
        for codec in codecs {
            let compressed = try codec.compress(input)
            sizes[codec.description] = compressed.count
            #expect(sameBytes(try codec.decompress(compressed), input), "\(codec)")
        }
        #expect(sizes["zstd(level: 19)"]! < sizes["zstd(level: 1)"]!)
        #expect(sizes["lz4(acceleration: 64)"]! > sizes["lz4(acceleration: 1)"]!)
        #expect(sizes["zstd(level: 3, checksum)"]! == sizes["zstd(level: 3)"]! + 4, "the checksum is 4 bytes")
        #expect(sizes["zstd(level: 0)"]! == sizes["zstd(level: 3)"]!, "level 0 means the default, 3")
    }

    @Test("a context reused across many buffers and after errors", arguments: CodecKind.allCases)
    func contextReuse(kind: CodecKind) throws {
        let context = Codec(kind).makeContext()
        var rng = SplitMix64(seed: 99)
        for round in 0..<40 {
            let size = Int(rng.next() % 200_000)
            let input = round.isMultiple(of: 3) ? TestData.random(size, seed: UInt64(round))
                                                : TestData.logLines(size, seed: UInt64(round))
            let compressed = try context.compress(input)
            #expect(sameBytes(try context.decompress(compressed), input), "round \(round)")
            if round.isMultiple(of: 5) {
                // A failure must leave the context usable.
                #expect(throws: CodecError.self) { try context.decompress(Array(compressed.prefix(compressed.count / 2))) }
                #expect(throws: CodecError.self) { try context.decompress(compressed + [1, 2, 3, 4, 5, 6, 7, 8, 9]) }
            }
            var raw = [UInt8](repeating: 0, count: context.codec.maxCompressedLength(size))
            let written = try input.withUnsafeBytes { source in
                try raw.withUnsafeMutableBytes { try context.compress(source, into: $0) }
            }
            var back = [UInt8](repeating: 0, count: size)
            let decoded = try raw.withUnsafeBytes { source in
                try back.withUnsafeMutableBytes { try context.decompress(source.slice(0..<written), into: $0) }
            }
            #expect(decoded == size)
            #expect(sameBytes(back, input), "raw, round \(round)")
        }
    }

    @Test("one Codec value shared by concurrent tasks", arguments: CodecKind.allCases)
    func concurrentUse(kind: CodecKind) async throws {
        let codec = Codec(kind)
        let allGood = try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let input = TestData.logLines(100_000 + task * 1000, seed: UInt64(task))
                    return sameBytes(try codec.decompress(codec.compress(input)), input)
                }
            }
            return try await group.reduce(true) { $0 && $1 }
        }
        #expect(allGood)
    }
}
