import CLZ4

/// Raw LZ4 blocks (`lz4.h`'s block API, not the LZ4 frame format). Decoding uses only
/// `LZ4_decompress_safe` and `LZ4_decompress_safe_partial`, which never read or write outside
/// the buffers they are given, whatever the input.
enum LZ4Block {
    static func maxCompressedLength(_ inputCount: Int) -> Int {
        // LZ4_COMPRESSBOUND, computed in Int so that it stays meaningful (and monotonic)
        // past LZ4_MAX_INPUT_SIZE, where LZ4_compressBound returns 0; compress rejects such
        // inputs anyway.
        inputCount + inputCount / 255 + 16
    }

    static func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                         acceleration: Int) throws(CodecError) -> Int {
        guard input.count <= CompressionLimits.lz4InputBytesMax else {
            throw .inputTooLarge(codec: .lz4, size: input.count, limit: CompressionLimits.lz4InputBytesMax)
        }
        let capacity = Int32(clamping: output.count)
        // LZ4_compress_fast keeps its 16 KiB state on the stack (LZ4_HEAPMODE 0), so there
        // is nothing to reuse between calls. It returns 0 only when the output is too small.
        let written = LZ4_compress_fast(input.nonNullChars, output.nonNullChars,
                                        Int32(input.count), capacity, Int32(acceleration))
        guard written > 0 else {
            throw .outputTooSmall(codec: .lz4, needed: nil, available: output.count)
        }
        return Int(written)
    }

    static func decompress(_ input: UnsafeRawBufferPointer,
                           into output: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        guard !input.isEmpty else {
            throw .truncatedInput(codec: .lz4, detail: "an LZ4 block is at least 1 byte; got none")
        }
        guard input.count <= Int(Int32.max) else {
            throw .inputTooLarge(codec: .lz4, size: input.count, limit: Int(Int32.max))
        }
        let capacity = Int32(clamping: output.count)
        let written = LZ4_decompress_safe(input.nonNullChars, output.nonNullChars, Int32(input.count), capacity)
        if written >= 0 { return Int(written) }
        // LZ4 reports a block that does not fit like a malformed one. Tell them apart by
        // decoding only as far as the output reaches: if that much decodes cleanly, the
        // block goes on past the buffer.
        if decodesPast(input, capacity: capacity, scratch: output) {
            throw .outputTooSmall(codec: .lz4, needed: nil, available: output.count)
        }
        throw .corruptInput(codec: .lz4, detail: "malformed or truncated LZ4 block of \(input.count) bytes "
                                + "(LZ4_decompress_safe returned \(written))")
    }

    /// Whether the first `capacity` bytes of `input` decode cleanly and more would follow.
    private static func decodesPast(_ input: UnsafeRawBufferPointer, capacity: Int32,
                                    scratch: UnsafeMutableRawBufferPointer) -> Bool {
        if capacity == 0 {
            var byte: UInt8 = 0
            return withUnsafeMutableBytes(of: &byte) { one in
                LZ4_decompress_safe_partial(input.nonNullChars, one.nonNullChars, Int32(input.count), 1, 1) == 1
            }
        }
        let decoded = LZ4_decompress_safe_partial(
            input.nonNullChars, scratch.nonNullChars, Int32(input.count), capacity, capacity)
        return decoded == capacity
    }
}
