import CZstd

/// A codec plus the library state it reuses between calls: for zstd, one `ZSTD_CCtx` and one
/// `ZSTD_DCtx`, created on first use and configured once (LZ4 and snappy keep no state; their
/// calls use the stack). Creating a zstd context costs an allocation of some hundreds of KiB
/// and its initialisation, which is noticeable next to compressing one 64 KiB packet; a
/// `CodecContext` pays it once per thread instead of once per call.
///
/// Not `Sendable`: it owns mutable C state. Keep one per thread or per connection handler.
/// The methods are those of `Codec`; see there.
public final class CodecContext {
    public let codec: Codec
    private var zstdCompressor: OpaquePointer?
    private var zstdDecompressor: OpaquePointer?

    public init(_ codec: Codec) {
        self.codec = codec
    }

    deinit {
        if let zstdCompressor { ZSTD_freeCCtx(zstdCompressor) }
        if let zstdDecompressor { ZSTD_freeDCtx(zstdDecompressor) }
    }

    // MARK: Raw blocks

    public func compress(_ input: UnsafeRawBufferPointer,
                         into output: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        let written: Int
        switch codec.algorithm {
        case .lz4(let acceleration):
            written = try LZ4Block.compress(input, into: output, acceleration: acceleration)
        case .zstd:
            written = try ZstdBlock.compress(input, into: output, context: zstdCompressionContext())
        case .snappy:
            written = try SnappyBlock.compress(input, into: output)
        }
        precondition(written <= output.count, "\(codec.kind) wrote \(written) bytes into \(output.count)")
        return written
    }

    public func decompress(_ input: UnsafeRawBufferPointer,
                           into output: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        let written: Int
        switch codec.kind {
        case .lz4: written = try LZ4Block.decompress(input, into: output)
        case .zstd: written = try ZstdBlock.decompress(input, into: output, context: zstdDecompressionContext())
        case .snappy: written = try SnappyBlock.decompress(input, into: output)
        }
        precondition(written <= output.count, "\(codec.kind) wrote \(written) bytes into \(output.count)")
        return written
    }

    // MARK: Self-describing buffers

    public func compress(_ bytes: [UInt8]) throws(CodecError) -> [UInt8] {
        var result: Result<[UInt8], CodecError> = .success([])
        bytes.withUnsafeBytes { input in
            result = Result { () throws(CodecError) in try compress(input) }
        }
        return try result.get()
    }

    public func compress(_ input: UnsafeRawBufferPointer) throws(CodecError) -> [UInt8] {
        switch codec.kind {
        case .lz4, .snappy:
            try HadoopBlockFraming.encode(input, codec: codec.kind) { (chunk, output) throws(CodecError) in
                try compress(chunk, into: output)
            } maxChunkLength: { codec.maxCompressedLength($0) }
        case .zstd:
            try makeByteArray(capacity: codec.maxCompressedLength(input.count)) { output throws(CodecError) in
                try compress(input, into: output)
            }
        }
    }

    public func decompress(_ bytes: [UInt8], decompressedSize: Int? = nil) throws(CodecError) -> [UInt8] {
        var result: Result<[UInt8], CodecError> = .success([])
        bytes.withUnsafeBytes { input in
            result = Result { () throws(CodecError) in try decompress(input, decompressedSize: decompressedSize) }
        }
        return try result.get()
    }

    public func decompress(_ input: UnsafeRawBufferPointer,
                           decompressedSize: Int? = nil) throws(CodecError) -> [UInt8] {
        let limit = codec.maxDecompressedBytes
        if let decompressedSize {
            precondition(decompressedSize >= 0, "decompressedSize must not be negative, got \(decompressedSize)")
            guard decompressedSize <= limit else {
                throw .decompressedSizeTooLarge(codec: codec.kind, declared: UInt64(decompressedSize), limit: limit)
            }
        }
        switch codec.kind {
        case .lz4, .snappy:
            return try HadoopBlockFraming.decode(
                input, codec: codec.kind, limit: limit, expected: decompressedSize
            ) { (chunk, output) throws(CodecError) in
                try decompress(chunk, into: output)
            }
        case .zstd:
            return try ZstdBlock.decompressFrames(
                input, limit: limit, expected: decompressedSize, context: zstdDecompressionContext())
        }
    }

    // MARK: zstd state

    private func zstdCompressionContext() throws(CodecError) -> OpaquePointer {
        if let zstdCompressor { return zstdCompressor }
        guard case .zstd(let level, let checksum) = codec.algorithm else {
            preconditionFailure("zstd context requested by \(codec)")
        }
        let context = try ZstdBlock.makeCompressionContext(level: level, checksum: checksum)
        zstdCompressor = context
        return context
    }

    private func zstdDecompressionContext() throws(CodecError) -> OpaquePointer {
        if let zstdDecompressor { return zstdDecompressor }
        let context = try ZstdBlock.makeDecompressionContext()
        zstdDecompressor = context
        return context
    }
}

@available(*, unavailable, message: "CodecContext owns mutable C state; keep one per thread")
extension CodecContext: Sendable {}
