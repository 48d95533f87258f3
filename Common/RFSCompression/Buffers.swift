/// A valid address to hand the C libraries for empty buffers, whose `baseAddress` may be nil:
/// some entry points reject NULL even with a zero length. Every length passed with it is 0,
/// so it is never read or written.
nonisolated(unsafe) private let emptyBufferAddress = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)

extension UnsafeRawBufferPointer {
    /// `baseAddress`, or a valid dummy address when the buffer is empty.
    var nonNullBase: UnsafeRawPointer { baseAddress ?? UnsafeRawPointer(emptyBufferAddress) }
    var nonNullChars: UnsafePointer<CChar> { nonNullBase.assumingMemoryBound(to: CChar.self) }

    /// The big-endian unsigned 32-bit integer at `offset`, which must be in bounds.
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= count, "4-byte read at \(offset) of \(count)")
        return UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[range])
    }
}

extension UnsafeMutableRawBufferPointer {
    var nonNullBase: UnsafeMutableRawPointer { baseAddress ?? emptyBufferAddress }
    var nonNullChars: UnsafeMutablePointer<CChar> { nonNullBase.assumingMemoryBound(to: CChar.self) }

    func storeBigEndianUInt32(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= count, "4-byte write at \(offset) of \(count)")
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    func slice(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: self[range])
    }
}

/// A byte array filled by `body`, which writes into uninitialised memory of `capacity`
/// bytes and returns how many it wrote. When far fewer bytes than `capacity` are written (as
/// when compressing into a worst-case bound), the result is copied into an array of its own
/// size so that the bound's memory is not kept alive with it.
func makeByteArray(capacity: Int,
                   _ body: (UnsafeMutableRawBufferPointer) throws(CodecError) -> Int) throws(CodecError) -> [UInt8] {
    var failure: CodecError?
    let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
        do throws(CodecError) {
            let written = try body(UnsafeMutableRawBufferPointer(buffer))
            precondition(written >= 0 && written <= capacity, "wrote \(written) bytes into \(capacity)")
            initializedCount = written
        } catch {
            failure = error
            initializedCount = 0
        }
    }
    if let failure { throw failure }
    let wastedBytes = bytes.capacity - bytes.count
    if wastedBytes > 64 << 10 && wastedBytes > bytes.count / 4 {
        return Array(bytes[...])
    }
    return bytes
}
