import CZlib
import RFSChecksum
import Testing

/// A small deterministic generator so failures replay exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(state: seed)
    var out = [UInt8](repeating: 0, count: count)
    out.withUnsafeMutableBytes { raw in
        var i = 0
        while i + 8 <= raw.count {
            raw.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < raw.count { raw[i] = UInt8(truncatingIfNeeded: rng.next()); i += 1 }
    }
    return out
}

func zlibCRC32(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
    bytes.withUnsafeBufferPointer { UInt32(crc32(UInt(seed), $0.baseAddress, uInt($0.count))) }
}

@Suite("Whole-buffer CRCs")
struct WholeBufferTests {
    let check = Array("123456789".utf8)

    @Test("CRC32C check value from RFC 3720 / the CRC catalogue")
    func crc32cCheckValue() {
        #expect(CRC32C.checksum(check) == 0xE306_9283)
    }

    @Test("CRC32C of 32 zero bytes and 32 0xFF bytes (RFC 3720 B.4)")
    func crc32cRFC3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    }

    @Test("CRC32 (zlib polynomial) check value")
    func crc32CheckValue() {
        #expect(CRC32.checksum(check) == 0xCBF4_3926)
    }

    @Test("empty input is the seed", arguments: [UInt32(0), 0xDEAD_BEEF])
    func emptyInput(seed: UInt32) {
        #expect(CRC32C.checksum([UInt8](), seed: seed) == seed)
        #expect(CRC32.checksum([UInt8](), seed: seed) == seed)
    }

    @Test("CRC32 matches zlib's crc32 over many lengths", arguments: [0, 1, 3, 15, 16, 17, 63, 64, 255, 512, 4097, 65_536, 1_000_003])
    func crc32MatchesZlib(length: Int) {
        let data = randomBytes(length, seed: UInt64(length))
        #expect(CRC32.checksum(data) == zlibCRC32(data))
    }

    @Test("continuing from a seed equals one pass over the whole", arguments: [1, 7, 512, 4095])
    func incremental(split: Int) {
        let data = randomBytes(10_000, seed: 42)
        let head = Array(data[..<split]), tail = Array(data[split...])
        #expect(CRC32C.checksum(tail, seed: CRC32C.checksum(head)) == CRC32C.checksum(data))
        #expect(CRC32.checksum(tail, seed: CRC32.checksum(head)) == zlibCRC32(data))
    }

    @Test("ArraySlice input checksums only the slice")
    func sliceInput() {
        let data = randomBytes(1000, seed: 9)
        #expect(CRC32C.checksum(data[100..<600]) == CRC32C.checksum(Array(data[100..<600])))
    }
}

@Suite("Chunked checksums (HDFS DataChecksum layout)")
struct ChunkedTests {
    @Test("one big-endian sum per chunk, last chunk short", arguments: [ChecksumType.crc32c, .crc32])
    func layout(type: ChecksumType) {
        let sums = ChunkedChecksum(type: type, bytesPerChecksum: 512)
        let data = randomBytes(512 * 3 + 100, seed: 3)
        let out = sums.compute(data)
        #expect(out.count == 16)
        for chunk in 0..<4 {
            let lower = chunk * 512, upper = min(lower + 512, data.count)
            let piece = Array(data[lower..<upper])
            let expected = type == .crc32c ? CRC32C.checksum(piece) : zlibCRC32(piece)
            let stored = out[chunk * 4..<chunk * 4 + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(stored == expected)
        }
    }

    @Test("the packet figures HDFS uses: 64 KiB of 512-byte chunks is 128 sums")
    func packetSizes() {
        let sums = ChunkedChecksum.hdfsDefault
        #expect(sums.chunkCount(forDataLength: 65_536) == 128)
        #expect(sums.checksumsLength(forDataLength: 65_536) == 512)
        #expect(sums.checksumsLength(forDataLength: 0) == 0)
        #expect(sums.checksumsLength(forDataLength: 1) == 4)
    }

    @Test("verify accepts what compute wrote")
    func verifyGood() throws {
        let sums = ChunkedChecksum.hdfsDefault
        let data = randomBytes(65_536 + 7, seed: 5)
        try sums.verify(data, sums: sums.compute(data))
    }

    @Test("verify names the first bad chunk's offset", arguments: [0, 511, 512, 40_000, 65_542])
    func verifyFindsFirstBadChunk(corruptAt: Int) throws {
        let sums = ChunkedChecksum.hdfsDefault
        var data = randomBytes(65_543, seed: 6)
        let good = sums.compute(data)
        data[corruptAt] ^= 0x01
        data[65_542] ^= corruptAt == 65_542 ? 0 : 0x80 // a later bad chunk must not be the one reported
        let error = #expect(throws: ChecksumMismatch.self) {
            try sums.verify(data, sums: good, baseOffset: 1_048_576)
        }
        #expect(error?.chunkOffset == 1_048_576 + (corruptAt / 512) * 512)
        #expect(error?.expected != error?.actual)
    }

    @Test("a bad stored sum is caught too")
    func verifyBadSum() {
        let sums = ChunkedChecksum(type: .crc32, bytesPerChecksum: 100)
        let data = randomBytes(1000, seed: 8)
        var stored = sums.compute(data)
        stored[37] ^= 0xFF // sum of chunk 9
        let error = #expect(throws: ChecksumMismatch.self) { try sums.verify(data, sums: stored) }
        #expect(error?.chunkOffset == 900)
    }

    @Test("too few sums fails at the first chunk without one")
    func verifyShortSums() {
        let sums = ChunkedChecksum.hdfsDefault
        let data = randomBytes(2048, seed: 10)
        let stored = Array(sums.compute(data).prefix(8))
        let error = #expect(throws: ChecksumMismatch.self) { try sums.verify(data, sums: stored) }
        #expect(error?.chunkOffset == 1024)
    }

    @Test("NULL checksums take no space and always verify")
    func nullType() throws {
        let sums = ChunkedChecksum(type: .null, bytesPerChecksum: 512)
        #expect(sums.compute(randomBytes(4096, seed: 1)).isEmpty)
        try sums.verify(randomBytes(4096, seed: 1), sums: [UInt8]())
    }
}
