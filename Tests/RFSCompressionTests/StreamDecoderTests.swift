import CZlib
import RFSCompression
import Testing

/// The streaming decoders `rfs dfs -text` uses, fed in awkward pieces: every codec's output
/// must come back whole, and a stream cut short must be an error, not a silent truncation.
@Suite struct StreamDecoderTests {
    static let text: [UInt8] = Array((0..<40_000).map { "line \($0) of a long compressible text\n" }.joined().utf8)

    /// Feeds `compressed` in pieces of 1, 7, 4099 … bytes and gathers the output.
    static func decodeInPieces(_ decoder: inout some StreamDecoder, _ compressed: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        var offset = 0
        let sizes = [1, 7, 4099, 65_536, 3]
        var turn = 0
        while offset < compressed.count {
            let end = min(compressed.count, offset + sizes[turn % sizes.count])
            try decoder.decode(Array(compressed[offset..<end])) {
                #expect($0.count <= StreamDecoders.outputChunkBytes)
                output += $0
            }
            offset = end
            turn += 1
        }
        try decoder.finish()
        return output
    }

    static func zlibCompress(_ input: [UInt8], gzip: Bool) -> [UInt8] {
        var stream = z_stream()
        deflateInit2_(&stream, 6, Z_DEFLATED, gzip ? 16 + 15 : 15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))))
        var input = input
        let written = input.withUnsafeMutableBytes { raw in
            output.withUnsafeMutableBytes { out in
                stream.next_in = raw.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = UInt32(raw.count)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = UInt32(out.count)
                deflate(&stream, Z_FINISH)
                return out.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<written])
    }

    @Test func gzipMembersAndZlib() throws {
        let members = Self.zlibCompress(Array(Self.text[..<1000]), gzip: true) + Self.zlibCompress(Array(Self.text[1000...]), gzip: true)
        var gzip = try ZlibStreamDecoder(format: .gzip)
        #expect(try Self.decodeInPieces(&gzip, members) == Self.text)
        var zlib = try ZlibStreamDecoder(format: .zlib)
        #expect(try Self.decodeInPieces(&zlib, Self.zlibCompress(Self.text, gzip: false)) == Self.text)
    }

    @Test(arguments: [Codec.zstd(), Codec.lz4(), Codec.snappy()])
    func hadoopCodecStreams(_ codec: Codec) throws {
        // Two streams back to back, as a file appended to by two writers is.
        let compressed = try codec.compress(Array(Self.text[..<123_457])) + codec.compress(Array(Self.text[123_457...]))
        var decoder: any StreamDecoder = codec.kind == .zstd ? try ZstdStreamDecoder() : try HadoopBlockStreamDecoder(codec: codec.kind)
        #expect(try Self.decodeInPieces(&decoder, compressed) == Self.text)
    }

    @Test func aStreamCutShortIsAnError() throws {
        let streams: [(any StreamDecoder, [UInt8])] = [
            (try ZlibStreamDecoder(format: .gzip), Self.zlibCompress(Self.text, gzip: true)),
            (try ZstdStreamDecoder(), try Codec.zstd().compress(Self.text)),
            (try HadoopBlockStreamDecoder(codec: .lz4), try Codec.lz4().compress(Self.text)),
        ]
        for (decoder, compressed) in streams {
            var decoder = decoder
            #expect(throws: StreamDecodeError.self) {
                _ = try Self.decodeInPieces(&decoder, Array(compressed[..<(compressed.count / 2)]))
            }
        }
        var garbage = try ZlibStreamDecoder(format: .gzip)
        #expect(throws: StreamDecodeError.self) { try garbage.decode([0x1F, 0x8B, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0xFF]) { _ in } }
    }
}
