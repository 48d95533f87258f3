/// Hadoop's `BlockCompressorStream` layout, which Hadoop's Lz4Codec and SnappyCodec write and
/// rfs's self-describing LZ4 and snappy buffers use (drawn in `Codec`'s documentation):
/// blocks of a 4-byte big-endian uncompressed length followed by chunks, each a 4-byte
/// big-endian compressed length and that many bytes of one raw compressed block.
enum HadoopBlockFraming {
    static let lengthBytes = 4

    /// Most bytes one compressed byte can decode to: an LZ4 match grows by 255 bytes per
    /// length byte; snappy's best tag is 3 bytes for a 64-byte copy.
    static func expansionMax(_ codec: CodecKind) -> Int {
        switch codec {
        case .lz4: 256
        case .snappy: 32
        case .zstd: preconditionFailure("zstd does not use Hadoop's block framing")
        }
    }

    /// Most input bytes rfs puts in one chunk: what Hadoop's writer puts in one with its
    /// default 256 KiB codec buffer (`io.compression.codec.lz4.buffersize`, `…snappy…`), the
    /// buffer less the codec's worst-case overhead (Lz4Codec: size/255 + 16; SnappyCodec:
    /// size/6 + 32). Hadoop's reader decodes each chunk into a buffer of that size, so
    /// larger chunks would not read back there. It costs little ratio: LZ4 looks back at most
    /// 64 KiB, so only the start of each chunk loses its history, and snappy compresses in
    /// independent 64 KiB fragments anyway.
    static func chunkInputBytesMax(_ codec: CodecKind) -> Int {
        let hadoopBufferBytes = 256 << 10
        return switch codec {
        case .lz4: hadoopBufferBytes - (hadoopBufferBytes / 255 + 16)
        case .snappy: hadoopBufferBytes - (hadoopBufferBytes / 6 + 32)
        case .zstd: preconditionFailure("zstd does not use Hadoop's block framing")
        }
    }

    /// One block of `chunkInputBytesMax`-sized chunks; an empty input is a block header of 0
    /// and no chunk, as Hadoop writes for an empty stream.
    static func encode(
        _ input: UnsafeRawBufferPointer, codec: CodecKind,
        compressChunk: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(CodecError) -> Int,
        maxChunkLength: (Int) -> Int
    ) throws(CodecError) -> [UInt8] {
        guard input.count <= CompressionLimits.hadoopBlockBytesMax else {
            throw .inputTooLarge(codec: codec, size: input.count, limit: CompressionLimits.hadoopBlockBytesMax)
        }
        let chunkBytes = chunkInputBytesMax(codec)
        let (fullChunks, lastChunkBytes) = input.count.quotientAndRemainder(dividingBy: chunkBytes)
        let capacity = lengthBytes + fullChunks * (lengthBytes + maxChunkLength(chunkBytes))
            + (lastChunkBytes == 0 ? 0 : lengthBytes + maxChunkLength(lastChunkBytes))
        return try makeByteArray(capacity: capacity) { output throws(CodecError) in
            output.storeBigEndianUInt32(UInt32(input.count), at: 0)
            var written = lengthBytes
            for start in stride(from: 0, to: input.count, by: chunkBytes) {
                let chunk = input.slice(start..<min(start + chunkBytes, input.count))
                let chunkLength = try compressChunk(chunk, output.slice(written + lengthBytes..<output.count))
                output.storeBigEndianUInt32(UInt32(chunkLength), at: written)
                written += lengthBytes + chunkLength
            }
            return written
        }
    }

    /// Decodes every block of `input`. The first block is decoded straight into the result;
    /// later blocks (only Hadoop writes them) are appended.
    static func decode(
        _ input: UnsafeRawBufferPointer, codec: CodecKind, limit: Int, expected: Int?,
        decompressChunk: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(CodecError) -> Int
    ) throws(CodecError) -> [UInt8] {
        guard !input.isEmpty else {
            throw .truncatedInput(codec: codec, detail: "empty input; a block header is \(lengthBytes) bytes")
        }
        var reader = Reader(input: input, codec: codec, limit: min(limit, expected ?? limit),
                            limitIsExpected: expected != nil)
        var result = try reader.nextBlock(decompressChunk)
        while !reader.isAtEnd {
            result.append(contentsOf: try reader.nextBlock(decompressChunk))
        }
        if let expected, result.count != expected {
            throw .corruptInput(codec: codec, detail: "blocks declare \(result.count) bytes, expected \(expected)")
        }
        return result
    }

    /// Walks blocks and chunks, checking every length against the bytes that remain.
    private struct Reader {
        let input: UnsafeRawBufferPointer
        let codec: CodecKind
        /// Most bytes all blocks together may decode to.
        let limit: Int
        /// Whether `limit` is the caller's expected size rather than `maxDecompressedBytes`.
        let limitIsExpected: Bool
        var offset = 0
        var decodedBytes = 0

        var isAtEnd: Bool { offset == input.count }

        typealias ChunkDecoder = (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) throws(CodecError) -> Int

        mutating func nextBlock(_ decompressChunk: ChunkDecoder) throws(CodecError) -> [UInt8] {
            let blockLength = Int(try readLength(what: "block header"))
            guard blockLength <= Int(Int32.max) else {
                throw .corruptInput(codec: codec, detail: "block at offset \(offset - lengthBytes) declares "
                                        + "\(blockLength) bytes; Hadoop's lengths are signed 32-bit")
            }
            guard blockLength <= limit - decodedBytes else {
                let declared = UInt64(decodedBytes + blockLength)
                if limitIsExpected {
                    throw .corruptInput(codec: codec, detail: "blocks declare at least \(declared) bytes, "
                                            + "expected \(limit)")
                }
                throw .decompressedSizeTooLarge(codec: codec, declared: declared, limit: limit)
            }
            // Neither format can expand past a fixed ratio, so a length no chunk bytes could
            // fill is refused before its memory is allocated.
            let remaining = input.count - offset
            guard blockLength <= remaining * HadoopBlockFraming.expansionMax(codec) + 64 else {
                throw .corruptInput(codec: codec, detail: "block at offset \(offset - lengthBytes) declares "
                                        + "\(blockLength) bytes, more than the \(remaining) bytes after it can hold")
            }
            let block = try makeByteArray(capacity: blockLength) { output throws(CodecError) in
                try fillBlock(output, decompressChunk)
            }
            decodedBytes += blockLength
            return block
        }

        /// Decodes chunks until `output` (one block) is full.
        private mutating func fillBlock(_ output: UnsafeMutableRawBufferPointer,
                                        _ decompressChunk: ChunkDecoder) throws(CodecError) -> Int {
            var filled = 0
            while filled < output.count {
                let chunkLength = Int(try readLength(what: "chunk header (block decoded \(filled) of "
                                                         + "\(output.count) bytes)"))
                guard chunkLength <= input.count - offset else {
                    throw .truncatedInput(codec: codec, detail: "chunk at offset \(offset - lengthBytes) declares "
                                              + "\(chunkLength) bytes; \(input.count - offset) remain")
                }
                let chunk = input.slice(offset..<offset + chunkLength)
                let written: Int
                do {
                    written = try decompressChunk(chunk, output.slice(filled..<output.count))
                } catch .outputTooSmall {
                    throw .corruptInput(codec: codec, detail: "chunk at offset \(offset - lengthBytes) decodes "
                                            + "past its block's declared \(output.count) bytes")
                }
                guard written > 0 else {
                    throw .corruptInput(codec: codec, detail: "chunk at offset \(offset - lengthBytes) decodes "
                                            + "to nothing")
                }
                filled += written
                offset += chunkLength
            }
            return filled
        }

        private mutating func readLength(what: String) throws(CodecError) -> UInt32 {
            guard input.count - offset >= lengthBytes else {
                throw .truncatedInput(codec: codec, detail: "\(what) at offset \(offset) cut off: "
                                          + "\(input.count - offset) of \(lengthBytes) bytes")
            }
            defer { offset += lengthBytes }
            return input.loadBigEndianUInt32(at: offset)
        }
    }
}
