/// Why a codec refused its input or output. Every failure of the C libraries lands in one of
/// these cases; none of them is a crash or an out-of-bounds access.
public enum CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input is not valid compressed data for `codec`. `detail` says what was wrong,
    /// with the library's own message where it has one (`ZSTD_getErrorName`).
    case corruptInput(codec: CodecKind, detail: String)
    /// The input ends before the compressed data does: a cut-off header, chunk or frame.
    /// Formats that cannot tell truncation from corruption (raw LZ4 and snappy blocks)
    /// report `corruptInput` instead.
    case truncatedInput(codec: CodecKind, detail: String)
    /// The output buffer cannot hold the result. `needed` is the size required when the
    /// format says so without decoding (nil when it does not, as for raw LZ4 blocks).
    case outputTooSmall(codec: CodecKind, needed: Int?, available: Int)
    /// The data declares (or, for a zstd frame without a content size, decodes to) more than
    /// the codec's `maxDecompressedBytes`. `declared` is nil when the frame declares nothing
    /// and decoding was stopped at the limit. Nothing larger than the limit was allocated.
    case decompressedSizeTooLarge(codec: CodecKind, declared: UInt64?, limit: Int)
    /// The input is larger than `codec` can compress in one buffer (`CompressionLimits`).
    case inputTooLarge(codec: CodecKind, size: Int, limit: Int)
    /// The library failed for a reason not covered above (for example out of memory), with
    /// its own message.
    case libraryError(codec: CodecKind, detail: String)

    /// The codec that failed.
    public var codec: CodecKind {
        switch self {
        case .corruptInput(let codec, _), .truncatedInput(let codec, _),
             .outputTooSmall(let codec, _, _), .decompressedSizeTooLarge(let codec, _, _),
             .inputTooLarge(let codec, _, _), .libraryError(let codec, _):
            codec
        }
    }

    public var description: String {
        switch self {
        case .corruptInput(let codec, let detail):
            "\(codec): corrupt compressed input: \(detail)"
        case .truncatedInput(let codec, let detail):
            "\(codec): truncated compressed input: \(detail)"
        case .outputTooSmall(let codec, let needed?, let available):
            "\(codec): output buffer too small: \(needed) bytes needed, \(available) available"
        case .outputTooSmall(let codec, nil, let available):
            "\(codec): output buffer too small: the data does not fit in \(available) bytes"
        case .decompressedSizeTooLarge(let codec, let declared?, let limit):
            "\(codec): compressed data declares \(declared) decompressed bytes, more than the "
                + "limit of \(limit) (raise maxDecompressedBytes if the data is trusted)"
        case .decompressedSizeTooLarge(let codec, nil, let limit):
            "\(codec): compressed data decompresses to more than the limit of \(limit) bytes "
                + "(raise maxDecompressedBytes if the data is trusted)"
        case .inputTooLarge(let codec, let size, let limit):
            "\(codec): input of \(size) bytes is larger than the \(limit) bytes one buffer may hold; "
                + "split it into smaller buffers"
        case .libraryError(let codec, let detail):
            "\(codec): \(detail)"
        }
    }
}
