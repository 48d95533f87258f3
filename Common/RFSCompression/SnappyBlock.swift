import CSnappy

/// Raw snappy buffers (`snappy-c.h`). Every buffer is checked with
/// `snappy_validate_compressed_buffer` before `snappy_uncompress` writes anything, and every
/// length the library returns is checked against the buffer it describes.
enum SnappyBlock {
    static func maxCompressedLength(_ inputCount: Int) -> Int {
        snappy_max_compressed_length(inputCount)
    }

    static func compress(_ input: UnsafeRawBufferPointer,
                         into output: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        guard input.count <= CompressionLimits.snappyInputBytesMax else {
            throw .inputTooLarge(codec: .snappy, size: input.count, limit: CompressionLimits.snappyInputBytesMax)
        }
        // snappy_compress refuses any output smaller than the bound, whatever the data.
        let bound = maxCompressedLength(input.count)
        guard output.count >= bound else {
            throw .outputTooSmall(codec: .snappy, needed: bound, available: output.count)
        }
        var written = output.count
        let status = snappy_compress(input.nonNullChars, input.count, output.nonNullChars, &written)
        guard status == SNAPPY_OK, written <= output.count else {
            throw .libraryError(codec: .snappy, detail: "snappy_compress failed with status \(status.rawValue)")
        }
        return written
    }

    static func decompress(_ input: UnsafeRawBufferPointer,
                           into output: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        guard !input.isEmpty else {
            throw .truncatedInput(codec: .snappy, detail: "a snappy buffer is at least 1 byte; got none")
        }
        var needed = 0
        guard snappy_uncompressed_length(input.nonNullChars, input.count, &needed) == SNAPPY_OK else {
            throw .corruptInput(codec: .snappy, detail: "invalid length preamble")
        }
        guard snappy_validate_compressed_buffer(input.nonNullChars, input.count) == SNAPPY_OK else {
            throw .corruptInput(codec: .snappy, detail: "malformed or truncated snappy buffer of \(input.count) "
                                    + "bytes declaring \(needed) decompressed bytes")
        }
        guard needed <= output.count else {
            throw .outputTooSmall(codec: .snappy, needed: needed, available: output.count)
        }
        var written = output.count
        let status = snappy_uncompress(input.nonNullChars, input.count, output.nonNullChars, &written)
        guard status == SNAPPY_OK else {
            throw .corruptInput(codec: .snappy, detail: "snappy_uncompress failed with status \(status.rawValue)")
        }
        guard written == needed, written <= output.count else {
            throw .corruptInput(codec: .snappy, detail: "decoded \(written) bytes, preamble declared \(needed)")
        }
        return written
    }
}
