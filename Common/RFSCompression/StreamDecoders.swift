import CLZ4
import CSnappy
import CZlib
import CZstd

/// A compressed stream that could not be decoded, with the library's reason.
public struct StreamDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Decompresses a stream that arrives in pieces (a compressed file read a few MiB at a time),
/// handing the output to `sink` in pieces of at most `outputChunkBytes`, so memory stays flat
/// whatever the file's size or compression ratio.
public protocol StreamDecoder {
    mutating func decode(_ input: [UInt8], into sink: ([UInt8]) throws -> Void) throws
    /// The input ended; throws when the stream was cut off inside compressed data.
    mutating func finish() throws
}

public enum StreamDecoders {
    /// Largest piece handed to a sink.
    public static let outputChunkBytes = 256 << 10
}

/// gzip (RFC 1952, concatenated members too, as Java's GZIPInputStream reads them) or zlib
/// (RFC 1950: Hadoop's DefaultCodec, `.deflate` files) through zlib's inflate.
public final class ZlibStreamDecoder: StreamDecoder {
    public enum Format: Sendable { case gzip, zlib }

    private let format: Format
    private var stream = z_stream()
    /// The current member's end was reached; any later input starts another member (gzip).
    private var atMemberEnd = false
    private var sawInput = false
    private var done = false

    public init(format: Format) throws {
        self.format = format
        let windowBits: Int32 = format == .gzip ? 16 + 15 : 15
        let status = inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw StreamDecodeError("zlib inflateInit2 failed (\(status))") }
    }

    deinit { inflateEnd(&stream) }

    public func decode(_ input: [UInt8], into sink: ([UInt8]) throws -> Void) throws {
        guard !input.isEmpty, !done else { return }
        sawInput = true
        var output = [UInt8](repeating: 0, count: StreamDecoders.outputChunkBytes)
        try input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                if atMemberEnd {
                    // Java's GZIPInputStream reads a following member, and stops quietly at
                    // bytes that do not start one.
                    guard format == .gzip, raw[offset] == 0x1F else { done = true; return }
                    inflateReset(&stream)
                    atMemberEnd = false
                }
                stream.next_in = UnsafeMutablePointer(mutating: raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = UInt32(raw.count - offset)
                let (status, produced) = output.withUnsafeMutableBytes { out -> (Int32, Int) in
                    stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = UInt32(out.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, out.count - Int(stream.avail_out))
                }
                offset = raw.count - Int(stream.avail_in)
                if produced > 0 { try sink(Array(output[..<produced])) }
                switch status {
                case Z_STREAM_END:
                    atMemberEnd = true
                case Z_OK, Z_BUF_ERROR:
                    continue
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw StreamDecodeError(format == .gzip ? "Not in GZIP format: \(message)" : "invalid zlib data: \(message)")
                }
            }
        }
    }

    public func finish() throws {
        if sawInput && !atMemberEnd && !done { throw StreamDecodeError("Unexpected end of ZLIB input stream") }
    }
}

/// zstd frames (Hadoop's ZStandardCodec, `.zst` files) through ZSTD_decompressStream.
public final class ZstdStreamDecoder: StreamDecoder {
    private let context: OpaquePointer
    /// ZSTD_decompressStream's last hint: 0 when a frame has just ended.
    private var lastHint = 0

    public init() throws {
        guard let context = ZSTD_createDStream() else { throw StreamDecodeError("zstd: cannot create a decompression stream") }
        self.context = context
        ZSTD_initDStream(context)
    }

    deinit { ZSTD_freeDStream(context) }

    public func decode(_ input: [UInt8], into sink: ([UInt8]) throws -> Void) throws {
        var output = [UInt8](repeating: 0, count: StreamDecoders.outputChunkBytes)
        try input.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            var source = ZSTD_inBuffer(src: base, size: raw.count, pos: 0)
            repeat {
                let (hint, produced) = output.withUnsafeMutableBytes { out -> (Int, Int) in
                    var target = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                    let hint = ZSTD_decompressStream(context, &target, &source)
                    return (hint, target.pos)
                }
                if ZSTD_isError(hint) != 0 {
                    throw StreamDecodeError("zstd: \(String(cString: ZSTD_getErrorName(hint)))")
                }
                lastHint = hint
                if produced > 0 { try sink(Array(output[..<produced])) }
                if produced == output.count { continue }
            } while source.pos < source.size
        }
    }

    public func finish() throws {
        if lastHint != 0 { throw StreamDecodeError("zstd: the stream ends inside a frame") }
    }
}

/// Hadoop's BlockCompressorStream layout (Lz4Codec, SnappyCodec: `.lz4`, `.snappy` files):
/// blocks of a 4-byte big-endian uncompressed length, then chunks of a 4-byte compressed
/// length and one raw compressed block, until the block's bytes are out.
public struct HadoopBlockStreamDecoder: StreamDecoder {
    private let codec: CodecKind
    private var buffered: [UInt8] = []
    /// Bytes of the current block still to come; nil between blocks.
    private var blockRemaining: Int?

    public init(codec: CodecKind) throws {
        guard codec != .zstd else { throw StreamDecodeError("zstd streams are not block framed") }
        self.codec = codec
    }

    public mutating func decode(_ input: [UInt8], into sink: ([UInt8]) throws -> Void) throws {
        buffered += input
        var offset = 0
        defer { buffered.removeFirst(offset) }
        while true {
            if blockRemaining == nil || blockRemaining == 0 {
                guard buffered.count - offset >= 4 else { return }
                blockRemaining = Int(Self.bigEndian(buffered, at: offset))
                offset += 4
                continue
            }
            guard buffered.count - offset >= 4 else { return }
            let compressed = Int(Self.bigEndian(buffered, at: offset))
            guard compressed > 0, compressed <= CompressionLimits.hadoopBlockBytesMax else {
                throw StreamDecodeError("\(codec): bad chunk length \(compressed)")
            }
            guard buffered.count - offset - 4 >= compressed else { return }
            let capacity = min(blockRemaining!, HadoopBlockFraming.chunkInputBytesMax(codec) * 2)
            var output = [UInt8](repeating: 0, count: capacity)
            let start = offset + 4
            let written: Int = try buffered.withUnsafeBytes { raw in
                try output.withUnsafeMutableBytes { out in
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[start..<start + compressed])
                    do {
                        return try codec == .lz4 ? LZ4Block.decompress(chunk, into: out) : SnappyBlock.decompress(chunk, into: out)
                    } catch {
                        throw StreamDecodeError("\(error)")
                    }
                }
            }
            offset = start + compressed
            blockRemaining! -= written
            guard blockRemaining! >= 0 else { throw StreamDecodeError("\(codec): a chunk decodes past its block") }
            if written > 0 { try sink(Array(output[..<written])) }
        }
    }

    public func finish() throws {
        if !buffered.isEmpty || (blockRemaining ?? 0) > 0 { throw StreamDecodeError("\(codec): the stream ends inside a block") }
    }

    private static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
