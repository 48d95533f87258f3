/// A compression codec: an algorithm, its tuning, and the bound on what decompression may
/// allocate. A `Codec` is a small `Sendable` value; share it freely. Each call creates what
/// state it needs (for zstd a `ZSTD_CCtx`/`ZSTD_DCtx`, some hundreds of KiB, per call); hot
/// loops that compress many buffers on one thread should use a `CodecContext`, which keeps
/// that state between calls.
///
/// ## Two forms of compressed data
///
/// **Raw blocks** — `compress(_:into:)` and `decompress(_:into:)` — are each library's own
/// one-shot format with no framing of ours: an LZ4 block (`LZ4_compress_fast`), a zstd frame
/// (`ZSTD_compress2`, with its content size), a raw snappy buffer (`snappy_compress`). The
/// caller keeps the lengths. This is the form for the block-compression feature: a
/// data-transfer packet header or a compressed block file's chunk index has to record the
/// compressed and uncompressed length of every 64 KiB chunk anyway (to allocate, to seek, to
/// verify checksums), so a per-chunk prefix would repeat them and, worse, be a second,
/// untrusted source of truth. The caller decompresses into a buffer of exactly the recorded
/// length and checks the returned count.
///
/// **Self-describing buffers** — `compress(_:) -> [UInt8]` and `decompress(_:decompressedSize:)`
/// — carry their decompressed length, so they can be decoded with nothing else (tools, tests,
/// small blobs, a whole file compressed at rest). Each has the layout Hadoop's codec of the
/// same name writes, so that files compressed by either side can share one format:
///
/// | codec  | layout                                                                        |
/// |--------|-------------------------------------------------------------------------------|
/// | lz4    | Hadoop `BlockCompressorStream` (Lz4Codec) around raw LZ4 blocks               |
/// | snappy | Hadoop `BlockCompressorStream` (SnappyCodec) around raw snappy buffers        |
/// | zstd   | a standard zstd frame with its content size (ZStandardCodec, the `zstd` tool) |
///
/// The block framing, drawn once (all integers unsigned 32-bit big-endian):
///
///     stream := block+
///     block  := uncompressedLength  chunk*        chunks follow until uncompressedLength
///                                                 bytes have been decoded
///     chunk  := compressedLength  compressedBytes[compressedLength]
///
/// rfs writes one block whose chunks each hold at most the input Hadoop's writer puts in one
/// (261 100 bytes for LZ4, 218 422 for snappy, from its default 256 KiB codec buffer), so a
/// 64 KiB packet is 8 bytes of header and one raw block; an empty input is the single 4-byte
/// header `00 00 00 00`. It reads any number of blocks and chunks, as Hadoop's
/// `BlockDecompressorStream` does. (The layout follows Hadoop's source; it has not yet been
/// checked against a running Hadoop.) For zstd, frames without a content size (streamed
/// ones) and concatenated frames are read too, by streaming decompression.
///
/// Decoding never trusts a declared length past `maxDecompressedBytes`
/// (`decompressedSizeTooLarge`), so a few hostile header bytes cannot make us allocate gigabytes.
public struct Codec: Sendable, Hashable, CustomStringConvertible {
    /// The algorithm and its tuning.
    public enum Algorithm: Sendable, Hashable {
        /// LZ4 with `LZ4_compress_fast`'s acceleration: 1 is the default, larger is faster
        /// and compresses less (up to 65537).
        case lz4(acceleration: Int)
        /// zstd at `level` (`ZSTD_minCLevel()`...`ZSTD_maxCLevel()`, 3 by default; 0 means
        /// the library default). `checksum` appends the frame's 4-byte XXH64 content
        /// checksum, which makes corruption inside a frame detectable; it is off by default
        /// because rfs's CRC32C chunk checksums already cover data on disk and on the wire.
        case zstd(level: Int, checksum: Bool)
        /// Snappy; it has no tuning.
        case snappy
    }

    public static let defaultZstdLevel = 3
    public static let defaultLZ4Acceleration = 1

    public let algorithm: Algorithm
    /// Largest decompressed size a self-describing buffer may declare or decode to; see
    /// `CompressionLimits.decompressedBytesDefault`. Raw-block decompression is bounded by
    /// the output buffer the caller passes instead.
    public let maxDecompressedBytes: Int

    public init(_ algorithm: Algorithm,
                maxDecompressedBytes: Int = CompressionLimits.decompressedBytesDefault) {
        switch algorithm {
        case .lz4(let acceleration):
            precondition((1...65_537).contains(acceleration),
                         "LZ4 acceleration must be in 1...65537, got \(acceleration)")
        case .zstd(let level, _):
            precondition(ZstdBlock.levels.contains(level),
                         "zstd level must be in \(ZstdBlock.levels), got \(level)")
        case .snappy:
            break
        }
        precondition((1...CompressionLimits.decompressedBytesMax).contains(maxDecompressedBytes),
                     "maxDecompressedBytes must be in 1...\(CompressionLimits.decompressedBytesMax), "
                         + "got \(maxDecompressedBytes)")
        self.algorithm = algorithm
        self.maxDecompressedBytes = maxDecompressedBytes
    }

    /// `kind` with its default tuning.
    public init(_ kind: CodecKind, maxDecompressedBytes: Int = CompressionLimits.decompressedBytesDefault) {
        switch kind {
        case .lz4: self.init(.lz4(acceleration: Codec.defaultLZ4Acceleration),
                             maxDecompressedBytes: maxDecompressedBytes)
        case .zstd: self.init(.zstd(level: Codec.defaultZstdLevel, checksum: false),
                              maxDecompressedBytes: maxDecompressedBytes)
        case .snappy: self.init(Algorithm.snappy, maxDecompressedBytes: maxDecompressedBytes)
        }
    }

    public static func lz4(acceleration: Int = defaultLZ4Acceleration,
                           maxDecompressedBytes: Int = CompressionLimits.decompressedBytesDefault) -> Codec {
        Codec(.lz4(acceleration: acceleration), maxDecompressedBytes: maxDecompressedBytes)
    }

    public static func zstd(level: Int = defaultZstdLevel, checksum: Bool = false,
                            maxDecompressedBytes: Int = CompressionLimits.decompressedBytesDefault) -> Codec {
        Codec(.zstd(level: level, checksum: checksum), maxDecompressedBytes: maxDecompressedBytes)
    }

    public static func snappy(maxDecompressedBytes: Int = CompressionLimits.decompressedBytesDefault) -> Codec {
        Codec(Algorithm.snappy, maxDecompressedBytes: maxDecompressedBytes)
    }

    public var kind: CodecKind {
        switch algorithm {
        case .lz4: .lz4
        case .zstd: .zstd
        case .snappy: .snappy
        }
    }

    public var description: String {
        switch algorithm {
        case .lz4(let acceleration): "lz4(acceleration: \(acceleration))"
        case .zstd(let level, let checksum): "zstd(level: \(level)\(checksum ? ", checksum" : ""))"
        case .snappy: "snappy"
        }
    }

    /// The largest raw block `compress(_:into:)` can produce from `inputCount` bytes: an
    /// output buffer this large always suffices (the libraries' `…compressBound`).
    public func maxCompressedLength(_ inputCount: Int) -> Int {
        precondition(inputCount >= 0, "inputCount must not be negative, got \(inputCount)")
        return switch kind {
        case .lz4: LZ4Block.maxCompressedLength(inputCount)
        case .zstd: ZstdBlock.maxCompressedLength(inputCount)
        case .snappy: SnappyBlock.maxCompressedLength(inputCount)
        }
    }

    /// A context that keeps this codec's library state between calls on one thread.
    public func makeContext() -> CodecContext { CodecContext(self) }

    // MARK: Raw blocks

    /// Compresses `input` into `output` as a raw block and returns the bytes written.
    /// `maxCompressedLength(input.count)` bytes of output always suffice. LZ4 and zstd also
    /// try smaller buffers (useful to store a chunk uncompressed when it would not shrink)
    /// and throw `outputTooSmall` when the block does not fit; snappy requires the bound.
    public func compress(_ input: UnsafeRawBufferPointer,
                         into output: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        try makeContext().compress(input, into: output)
    }

    /// Decompresses the raw block `input` into `output` and returns the bytes written. Pass
    /// an output of exactly the recorded decompressed length and check the count. Throws
    /// `outputTooSmall` when the block decodes to more than `output.count` (for LZ4: when
    /// the first `output.count` bytes decoded cleanly and the block goes on), and
    /// `corruptInput`/`truncatedInput` for anything malformed. On error, `output`'s
    /// contents are unspecified.
    public func decompress(_ input: UnsafeRawBufferPointer,
                           into output: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        try makeContext().decompress(input, into: output)
    }

    // MARK: Self-describing buffers

    /// Compresses `bytes` into a self-describing buffer (see the type's documentation).
    public func compress(_ bytes: [UInt8]) throws(CodecError) -> [UInt8] {
        try makeContext().compress(bytes)
    }

    /// Compresses `input` into a self-describing buffer (see the type's documentation).
    public func compress(_ input: UnsafeRawBufferPointer) throws(CodecError) -> [UInt8] {
        try makeContext().compress(input)
    }

    /// Decompresses a self-describing buffer. `decompressedSize`, when given, is the size a
    /// trusted record says the data has: the data must decode to exactly that many bytes
    /// (else `corruptInput`), and it must be within `maxDecompressedBytes`. Without it, the
    /// size the data declares is trusted up to `maxDecompressedBytes`.
    public func decompress(_ bytes: [UInt8], decompressedSize: Int? = nil) throws(CodecError) -> [UInt8] {
        try makeContext().decompress(bytes, decompressedSize: decompressedSize)
    }

    /// Decompresses a self-describing buffer; see `decompress(_:decompressedSize:)`.
    public func decompress(_ input: UnsafeRawBufferPointer,
                           decompressedSize: Int? = nil) throws(CodecError) -> [UInt8] {
        try makeContext().decompress(input, decompressedSize: decompressedSize)
    }
}
