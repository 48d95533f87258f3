import CZstd

/// zstd frames through `zstd.h`'s stable API. One-shot decoding (`ZSTD_decompressDCtx`) gets
/// an output of exactly the declared content size; frames that declare none are decoded by
/// streaming into a buffer grown up to the caller's limit. The library bounds its own window
/// (`ZSTD_d_windowLogMax`, 128 MiB by default), so a frame cannot demand more memory than that.
enum ZstdBlock {
    static var levels: ClosedRange<Int> { Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel()) }

    // `ZSTD_CONTENTSIZE_UNKNOWN` and `_ERROR` are `(0ULL - 1)` and `(0ULL - 2)` in zstd.h.
    private static let contentSizeUnknown = UInt64.max
    private static let contentSizeError = UInt64.max - 1

    // Error codes from zstd_errors.h (not included by zstd.h). Their values are pinned
    // since v1.3.1 ("only values < 100 are considered stable").
    private static let errorDstSizeTooSmall = 70
    private static let errorSrcSizeWrong = 72

    static func maxCompressedLength(_ inputCount: Int) -> Int {
        ZSTD_compressBound(inputCount)
    }

    static func makeCompressionContext(level: Int, checksum: Bool) throws(CodecError) -> OpaquePointer {
        guard let context = ZSTD_createCCtx() else {
            throw .libraryError(codec: .zstd, detail: "ZSTD_createCCtx failed (out of memory)")
        }
        let levelResult = ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level))
        let checksumResult = ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, checksum ? 1 : 0)
        for result in [levelResult, checksumResult] where ZSTD_isError(result) != 0 {
            ZSTD_freeCCtx(context)
            throw .libraryError(codec: .zstd, detail: "ZSTD_CCtx_setParameter: \(errorName(result))")
        }
        return context
    }

    static func makeDecompressionContext() throws(CodecError) -> OpaquePointer {
        guard let context = ZSTD_createDCtx() else {
            throw .libraryError(codec: .zstd, detail: "ZSTD_createDCtx failed (out of memory)")
        }
        return context
    }

    static func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                         context: OpaquePointer) throws(CodecError) -> Int {
        // ZSTD_compress2 starts a new frame with the context's sticky parameters and records
        // the content size, since it sees the whole input.
        let written = ZSTD_compress2(context, output.nonNullBase, output.count, input.nonNullBase, input.count)
        guard ZSTD_isError(written) == 0 else {
            if errorCode(written) == errorDstSizeTooSmall {
                throw .outputTooSmall(codec: .zstd, needed: nil, available: output.count)
            }
            throw .libraryError(codec: .zstd, detail: "ZSTD_compress2: \(errorName(written))")
        }
        return written
    }

    static func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                           context: OpaquePointer) throws(CodecError) -> Int {
        guard !input.isEmpty else {
            throw .truncatedInput(codec: .zstd, detail: "a zstd frame is at least 9 bytes; got none")
        }
        let written = ZSTD_decompressDCtx(context, output.nonNullBase, output.count, input.nonNullBase, input.count)
        guard ZSTD_isError(written) == 0 else {
            if errorCode(written) == errorDstSizeTooSmall {
                let declared = ZSTD_getFrameContentSize(input.nonNullBase, input.count)
                let needed = declared < contentSizeError ? Int(exactly: declared) : nil
                if let needed, needed <= output.count {
                    // The output holds what the frame declares, yet decoding ran past it.
                    throw .corruptInput(codec: .zstd, detail: "frame decodes past its declared content "
                                            + "size of \(needed) bytes")
                }
                throw .outputTooSmall(codec: .zstd, needed: needed, available: output.count)
            }
            throw decodingError(written, of: input, from: "ZSTD_decompressDCtx")
        }
        return written
    }

    /// Decodes a self-describing input: one frame with its content size, decoded in one
    /// shot into an array of that size; or anything else (no content size, several frames)
    /// by streaming, never past `limit` bytes.
    static func decompressFrames(_ input: UnsafeRawBufferPointer, limit: Int, expected: Int?,
                                 context: OpaquePointer) throws(CodecError) -> [UInt8] {
        guard !input.isEmpty else {
            throw .truncatedInput(codec: .zstd, detail: "a zstd frame is at least 9 bytes; got none")
        }
        let declared = ZSTD_getFrameContentSize(input.nonNullBase, input.count)
        if declared == contentSizeError {
            // Either a cut-off header or not a zstd frame at all: let the frame walker say which.
            let frameSize = ZSTD_findFrameCompressedSize(input.nonNullBase, input.count)
            guard ZSTD_isError(frameSize) != 0 else {
                throw .corruptInput(codec: .zstd, detail: "ZSTD_getFrameContentSize failed on a frame "
                                        + "of \(frameSize) bytes")
            }
            throw decodingError(frameSize, of: input, from: "ZSTD_findFrameCompressedSize")
        }
        guard declared != contentSizeUnknown else {
            return try decompressStreaming(input, limit: limit, expected: expected, context: context)
        }
        guard declared <= UInt64(limit) else {
            throw .decompressedSizeTooLarge(codec: .zstd, declared: declared, limit: limit)
        }
        let frameSize = ZSTD_findFrameCompressedSize(input.nonNullBase, input.count)
        guard ZSTD_isError(frameSize) == 0 else {
            throw decodingError(frameSize, of: input, from: "ZSTD_findFrameCompressedSize")
        }
        guard frameSize == input.count else {
            // More frames (or garbage) follow the first: their sizes are not known up front.
            return try decompressStreaming(input, limit: limit, expected: expected, context: context)
        }
        let size = Int(declared)
        if let expected, expected != size {
            throw .corruptInput(codec: .zstd, detail: "frame declares \(size) bytes, expected \(expected)")
        }
        return try makeByteArray(capacity: size) { output throws(CodecError) in
            let written = try decompress(input, into: output, context: context)
            guard written == size else {
                throw .corruptInput(codec: .zstd, detail: "frame declares \(size) bytes, decoded \(written)")
            }
            return written
        }
    }

    /// Streaming decoding into a buffer that starts small and doubles, holding at most
    /// `limit + 1` bytes: decoding that one byte more is how a frame without a content size
    /// is found to be too large. With `expected`, the buffer is exactly that large.
    private static func decompressStreaming(_ input: UnsafeRawBufferPointer, limit: Int, expected: Int?,
                                            context: OpaquePointer) throws(CodecError) -> [UInt8] {
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        // Leave the context between frames whatever happens, for its next user.
        defer { ZSTD_DCtx_reset(context, ZSTD_reset_session_only) }
        let ceiling = expected.map { $0 + 1 } ?? limit + 1
        var storage = GrowableBuffer(capacity: min(ceiling, max(64 << 10, input.count &* 4)))
        defer { storage.deallocate() }
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            if storage.count == storage.capacity {
                guard storage.capacity < ceiling else { break }
                storage.grow(toAtLeast: min(ceiling, storage.capacity * 2))
            }
            let free = storage.unusedSpace
            var target = ZSTD_outBuffer(dst: free.baseAddress, size: free.count, pos: 0)
            let consumedBefore = source.pos
            let hint = ZSTD_decompressStream(context, &target, &source)
            guard ZSTD_isError(hint) == 0 else {
                throw decodingError(hint, of: input, from: "ZSTD_decompressStream")
            }
            storage.count += target.pos
            let inputDone = source.pos == source.size
            if inputDone && hint == 0 { break }
            guard target.pos > 0 || source.pos > consumedBefore || storage.count == storage.capacity else {
                throw inputDone
                    ? .truncatedInput(codec: .zstd, detail: "input ends inside a frame after "
                                          + "\(storage.count) decoded bytes")
                    : .corruptInput(codec: .zstd, detail: "ZSTD_decompressStream made no progress")
            }
        }
        if let expected {
            guard storage.count == expected else {
                throw .corruptInput(codec: .zstd, detail: "frames decode to "
                                        + (storage.count > expected ? "more than" : "\(storage.count) bytes, not")
                                        + " the expected \(expected) bytes")
            }
        } else if storage.count > limit {
            throw .decompressedSizeTooLarge(codec: .zstd, declared: nil, limit: limit)
        }
        return storage.bytes
    }

    private static func errorCode(_ result: Int) -> Int { 0 &- result }

    private static func errorName(_ result: Int) -> String { String(cString: ZSTD_getErrorName(result)) }

    private static func decodingError(_ result: Int, of input: UnsafeRawBufferPointer,
                                      from function: String) -> CodecError {
        let detail = "\(function) on \(input.count) bytes: \(errorName(result))"
        return errorCode(result) == errorSrcSizeWrong
            ? .truncatedInput(codec: .zstd, detail: detail)
            : .corruptInput(codec: .zstd, detail: detail)
    }
}

/// Bytes decoded so far by streaming decompression, in memory we grow by copying.
private struct GrowableBuffer {
    private var memory: UnsafeMutableRawBufferPointer
    var count = 0

    init(capacity: Int) {
        memory = .allocate(byteCount: capacity, alignment: 16)
    }

    var capacity: Int { memory.count }
    var unusedSpace: UnsafeMutableRawBufferPointer { memory.slice(count..<memory.count) }

    mutating func grow(toAtLeast newCapacity: Int) {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: newCapacity, alignment: 16)
        larger.copyMemory(from: UnsafeRawBufferPointer(memory.slice(0..<count)))
        memory.deallocate()
        memory = larger
    }

    var bytes: [UInt8] { [UInt8](UnsafeRawBufferPointer(memory.slice(0..<count))) }

    func deallocate() { memory.deallocate() }
}
