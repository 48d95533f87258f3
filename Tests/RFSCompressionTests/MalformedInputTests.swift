import RFSCompression
import Testing

/// Whether `error` is one of the two ways a codec reports bad input.
func isBadInput(_ error: CodecError) -> Bool {
    switch error {
    case .corruptInput, .truncatedInput: true
    default: false
    }
}

extension CodecError {
    var isTooLarge: Bool {
        if case .decompressedSizeTooLarge = self { return true }
        return false
    }

    var isOutputTooSmall: Bool {
        if case .outputTooSmall = self { return true }
        return false
    }
}

@Suite("Corrupt, truncated and oversized input")
struct MalformedInputTests {
    @Test("bytes flipped in the middle: an error or same-sized output, never a crash", arguments: CodecKind.allCases)
    func corruptMiddle(kind: CodecKind) throws {
        let codec = Codec(kind)
        var rng = SplitMix64(seed: 0xC0FFEE)
        for input in [TestData.logLines(64 << 10, seed: 1), TestData.random(16 << 10, seed: 2)] {
            let compressed = try codec.compress(input)
            let raw = try rawBlock(codec, input)
            var detected = 0
            for _ in 0..<200 {
                var bad = compressed
                let at = bad.count / 4 + Int(rng.next() % UInt64(bad.count / 2))
                bad[at] ^= UInt8(1 + rng.next() % 255)
                do {
                    let output = try codec.decompress(bad)
                    // Without a checksum the damage may go unseen, but never past the declared size.
                    #expect(output.count == input.count)
                } catch {
                    detected += 1
                    #expect(isBadInput(error), "\(error)")
                }

                var badRaw = raw
                badRaw[badRaw.count / 4 + Int(rng.next() % UInt64(badRaw.count / 2))] ^= UInt8(1 + rng.next() % 255)
                do {
                    let output = try rawDecompress(codec, badRaw, capacity: input.count)
                    #expect(output.count <= input.count)
                } catch {
                    #expect(isBadInput(error) || error == .outputTooSmall(codec: kind, needed: nil, available: input.count),
                            "\(error)")
                }
            }
            // Logged, not asserted: how often each format notices on its own.
            print("\(kind): \(detected)/200 flips in the middle detected (\(input.count) input bytes)")
        }
    }

    @Test("random garbage, bare or behind a plausible header, never crashes", arguments: CodecKind.allCases)
    func garbage(kind: CodecKind) {
        let codec = Codec(kind, maxDecompressedBytes: 1 << 20)
        var rng = SplitMix64(seed: 0xBAD)
        let headers: [[UInt8]] = kind == .zstd
            ? [[], [0x28, 0xB5, 0x2F, 0xFD], [0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x80]]
            : [[], bigEndian32(1000), bigEndian32(1000) + bigEndian32(200)]
        for round in 0..<3000 {
            let garbage = headers[round % headers.count] + TestData.random(Int(rng.next() % 300), seed: rng.next())
            do {
                let output = try codec.decompress(garbage)
                #expect(output.count <= 1 << 20)
            } catch {
                #expect(isBadInput(error) || error.isTooLarge, "\(error)")
            }
            do {
                let output = try rawDecompress(codec, garbage, capacity: 4096)
                #expect(output.count <= 4096)
            } catch {
                #expect(isBadInput(error) || error.isOutputTooSmall, "\(error)")
            }
        }
    }

    @Test("zstd with its content checksum detects every flip in the middle")
    func zstdChecksumDetects() throws {
        let codec = Codec.zstd(checksum: true)
        let input = TestData.logLines(64 << 10, seed: 3)
        let compressed = try codec.compress(input)
        var rng = SplitMix64(seed: 42)
        for _ in 0..<200 {
            var bad = compressed
            bad[bad.count / 4 + Int(rng.next() % UInt64(bad.count / 2))] ^= UInt8(1 + rng.next() % 255)
            #expect(throws: CodecError.self) { try codec.decompress(bad) }
        }
    }

    @Test("a damaged header always throws", arguments: CodecKind.allCases)
    func corruptHeader(kind: CodecKind) throws {
        let codec = Codec(kind)
        let compressed = try codec.compress(TestData.logLines(10_000, seed: 4))
        // zstd: the magic number; lz4 and snappy: both big-endian lengths of the block framing.
        let positions = kind == .zstd ? Array(0..<4) : Array(0..<8)
        for at in positions {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var bad = compressed
                bad[at] ^= flip
                #expect(throws: CodecError.self, "byte \(at) ^ \(flip)") { try codec.decompress(bad) }
            }
        }
    }

    @Test("every prefix of a small buffer throws", arguments: CodecKind.allCases)
    func truncatedSmall(kind: CodecKind) throws {
        let codec = Codec(kind)
        for input in [TestData.logLines(1000, seed: 5), [], [7]] {
            let compressed = try codec.compress(input)
            for length in 0..<compressed.count {
                let prefix = Array(compressed.prefix(length))
                #expect(throws: CodecError.self, "prefix \(length) of \(compressed.count)") {
                    try codec.decompress(prefix)
                }
                do {
                    _ = try codec.decompress(prefix)
                } catch {
                    #expect(isBadInput(error), "\(error)")
                }
            }
        }
    }

    @Test("prefixes of a raw block: an error or a short count, never a crash", arguments: CodecKind.allCases)
    func truncatedRaw(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.logLines(1000, seed: 6)
        let raw = try rawBlock(codec, input)
        for length in 0..<raw.count {
            do {
                let output = try rawDecompress(codec, Array(raw.prefix(length)), capacity: input.count)
                // Raw blocks carry no length the decoder could hold the end to; the caller's
                // recorded size catches the shortfall.
                #expect(output.count < input.count, "prefix \(length) decoded whole")
            } catch {
                #expect(isBadInput(error), "prefix \(length): \(error)")
            }
        }
    }

    @Test("a few prefixes of a large buffer throw", arguments: CodecKind.allCases)
    func truncatedLarge(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.largeRealLooking(4 << 20, seed: 8)
        let compressed = try codec.compress(input)
        let n = compressed.count
        for length in [0, 1, 3, 4, 5, 7, 8, 9, 12, n / 3, n / 2, n - 4, n - 2, n - 1] {
            #expect(throws: CodecError.self, "prefix \(length) of \(n)") {
                try codec.decompress(Array(compressed.prefix(length)))
            }
        }
        // Trailing garbage is not silently ignored either.
        #expect(throws: CodecError.self) { try codec.decompress(compressed + [0, 0, 0]) }
    }

    @Test("raw decompression into a too-small buffer", arguments: CodecKind.allCases)
    func decompressOutputTooSmall(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.logLines(50_000, seed: 9)
        let raw = try rawBlock(codec, input)
        for capacity in [0, 1, 1000, input.count - 1] {
            // LZ4 blocks do not say how large they are; zstd frames and snappy buffers do.
            let needed: Int? = kind == .lz4 ? nil : input.count
            #expect(throws: CodecError.outputTooSmall(codec: kind, needed: needed, available: capacity)) {
                try rawDecompress(codec, raw, capacity: capacity)
            }
        }
    }

    @Test("raw compression into a too-small buffer", arguments: CodecKind.allCases)
    func compressOutputTooSmall(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.random(4096, seed: 10)
        for capacity in [0, 16, 4096] {
            var output = [UInt8](repeating: 0, count: capacity)
            #expect(throws: CodecError.self) {
                try input.withUnsafeBytes { source in
                    try output.withUnsafeMutableBytes { try codec.compress(source, into: $0) }
                }
            }
            do {
                _ = try input.withUnsafeBytes { source in
                    try output.withUnsafeMutableBytes { try codec.compress(source, into: $0) }
                }
            } catch {
                guard case .outputTooSmall(kind, _, capacity)? = error as? CodecError else {
                    Issue.record("expected outputTooSmall, got \(error)")
                    continue
                }
            }
        }
        // LZ4 and zstd accept less than the bound when the data fits, to let a caller keep a
        // chunk uncompressed when compressing would not shrink it.
        if kind != .snappy {
            let text = TestData.logLines(4096, seed: 10)
            var output = [UInt8](repeating: 0, count: 4096)
            let written = try text.withUnsafeBytes { source in
                try output.withUnsafeMutableBytes { try codec.compress(source, into: $0) }
            }
            #expect(written < 4096)
        }
    }

    @Test("a size other than the caller's recorded one is corrupt", arguments: CodecKind.allCases)
    func expectedSizeMismatch(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.logLines(5000, seed: 13)
        let compressed = try codec.compress(input)
        for expected in [0, 4999, 5001] {
            #expect(throws: CodecError.self) { try codec.decompress(compressed, decompressedSize: expected) }
            do {
                _ = try codec.decompress(compressed, decompressedSize: expected)
            } catch {
                guard case .corruptInput(kind, _) = error else {
                    Issue.record("expected corruptInput, got \(error)")
                    continue
                }
            }
        }
        let limit = CompressionLimits.decompressedBytesDefault
        #expect(throws: CodecError.decompressedSizeTooLarge(codec: kind, declared: UInt64(limit + 1), limit: limit)) {
            try codec.decompress(compressed, decompressedSize: limit + 1)
        }
    }

    @Test("data larger than maxDecompressedBytes is refused", arguments: CodecKind.allCases)
    func limit(kind: CodecKind) throws {
        let input = TestData.logLines(2000, seed: 14)
        let compressed = try Codec(kind).compress(input)
        let small = Codec(kind, maxDecompressedBytes: 1000)
        #expect(throws: CodecError.decompressedSizeTooLarge(codec: kind, declared: 2000, limit: 1000)) {
            try small.decompress(compressed)
        }
        #expect(sameBytes(try Codec(kind, maxDecompressedBytes: 2000).decompress(compressed), input))
    }

    @Test("an absurd declared length is refused before allocating", arguments: [CodecKind.lz4, .snappy])
    func absurdBlockLength(kind: CodecKind) throws {
        let codec = Codec(kind)
        let compressed = try codec.compress(TestData.logLines(2000, seed: 15))
        let limit = CompressionLimits.decompressedBytesDefault

        var huge = compressed
        huge.replaceSubrange(0..<4, with: bigEndian32(0x7FFF_FFF0))
        #expect(throws: CodecError.decompressedSizeTooLarge(codec: kind, declared: 0x7FFF_FFF0, limit: limit)) {
            try codec.decompress(huge)
        }
        // Hadoop's lengths are signed: 2^31 and up cannot come from a correct writer.
        huge.replaceSubrange(0..<4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: CodecError.self) { try codec.decompress(huge) }
        // A chunk length past the end is truncation, not an invitation to read on.
        var longChunk = compressed
        longChunk.replaceSubrange(4..<8, with: bigEndian32(0x7FFF_FFF0))
        do {
            _ = try codec.decompress(longChunk)
            Issue.record("a chunk longer than the input decoded")
        } catch {
            guard case .truncatedInput(kind, _) = error else {
                Issue.record("expected truncatedInput, got \(error)")
                return
            }
        }
    }

    @Test("errors read as sentences naming the codec")
    func descriptions() {
        let errors: [CodecError] = [
            .corruptInput(codec: .zstd, detail: "ZSTD_decompressDCtx on 10 bytes: Data corruption detected"),
            .truncatedInput(codec: .lz4, detail: "block header at offset 0 cut off: 2 of 4 bytes"),
            .outputTooSmall(codec: .snappy, needed: 100, available: 10),
            .outputTooSmall(codec: .lz4, needed: nil, available: 10),
            .decompressedSizeTooLarge(codec: .lz4, declared: 1 << 40, limit: 256 << 20),
            .decompressedSizeTooLarge(codec: .zstd, declared: nil, limit: 256 << 20),
            .inputTooLarge(codec: .lz4, size: 3 << 30, limit: 0x7E00_0000),
        ]
        for error in errors {
            #expect(error.description.hasPrefix("\(error.codec): "), "\(error)")
        }
        #expect(errors[4].description.contains("maxDecompressedBytes"))
    }
}
