import CChecksum

/// A chunk whose data does not match its stored checksum.
public struct ChecksumMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    /// Offset of the bad chunk's first byte, counted from the start of the verified data
    /// plus the `baseOffset` the caller passed (for example the chunk's offset in its block).
    public let chunkOffset: Int
    public let expected: UInt32
    public let actual: UInt32
    public let type: ChecksumType

    public var description: String {
        "\(type) checksum mismatch in the chunk at offset \(chunkOffset): stored "
            + "0x\(String(expected, radix: 16)), computed 0x\(String(actual, radix: 16))"
    }
}

/// HDFS-style chunked checksums (`DataChecksum`): one 4-byte big-endian sum per
/// `bytesPerChecksum` bytes of data, the last chunk possibly short. This is the layout of
/// a block's meta file and of the checksum section of every data-transfer packet.
public struct ChunkedChecksum: Sendable, Hashable, CustomStringConvertible {
    public let type: ChecksumType
    public let bytesPerChecksum: Int

    /// HDFS's default: CRC32C over 512-byte chunks.
    public static let hdfsDefault = ChunkedChecksum(type: .crc32c, bytesPerChecksum: 512)

    public init(type: ChecksumType, bytesPerChecksum: Int) {
        precondition(bytesPerChecksum > 0 && bytesPerChecksum <= Int(UInt32.max),
                     "bytesPerChecksum must be in 1...UInt32.max, got \(bytesPerChecksum)")
        self.type = type
        self.bytesPerChecksum = bytesPerChecksum
    }

    public var checksumSizeBytes: Int { type.checksumSizeBytes }

    public var description: String { "\(type)/\(bytesPerChecksum)" }

    /// Number of chunks covering `dataLength` bytes.
    public func chunkCount(forDataLength dataLength: Int) -> Int {
        (dataLength + bytesPerChecksum - 1) / bytesPerChecksum
    }

    /// Bytes of checksums covering `dataLength` bytes of data.
    public func checksumsLength(forDataLength dataLength: Int) -> Int {
        chunkCount(forDataLength: dataLength) * checksumSizeBytes
    }

    /// Writes the sums of `data` into `sums`, which must hold
    /// `checksumsLength(forDataLength: data.count)` bytes.
    public func compute(_ data: UnsafeRawBufferPointer, into sums: UnsafeMutableRawBufferPointer) {
        guard type != .null, data.count > 0 else { return }
        let needed = checksumsLength(forDataLength: data.count)
        precondition(sums.count >= needed, "checksum buffer holds \(sums.count) bytes, needs \(needed)")
        let written = rfs_chunked_sums_compute(
            Int32(type.rawValue), data.baseAddress, data.count, UInt32(bytesPerChecksum), sums.baseAddress)
        precondition(written == chunkCount(forDataLength: data.count))
    }

    /// The sums of `data`, as a new array.
    public func compute(_ data: some ContiguousBytes) -> [UInt8] {
        data.withUnsafeBytes { dataBuffer in
            let length = checksumsLength(forDataLength: dataBuffer.count)
            return [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
                compute(dataBuffer, into: UnsafeMutableRawBufferPointer(out))
                initialized = length
            }
        }
    }

    /// Checks `data` against `sums`; throws `ChecksumMismatch` naming the first bad chunk.
    /// `baseOffset` is added to reported offsets (the data's own offset in its block).
    public func verify(_ data: UnsafeRawBufferPointer, sums: UnsafeRawBufferPointer, baseOffset: Int = 0) throws(ChecksumMismatch) {
        guard type != .null, data.count > 0 else { return }
        let needed = checksumsLength(forDataLength: data.count)
        guard sums.count >= needed else {
            // Too few sums: the first chunk without a sum is the one we cannot vouch for.
            let firstMissing = sums.count / checksumSizeBytes
            throw ChecksumMismatch(chunkOffset: baseOffset + firstMissing * bytesPerChecksum,
                                   expected: 0, actual: 0, type: type)
        }
        var expected: UInt32 = 0
        var actual: UInt32 = 0
        let bad = rfs_chunked_sums_verify(
            Int32(type.rawValue), data.baseAddress, data.count, UInt32(bytesPerChecksum),
            sums.baseAddress, &expected, &actual)
        precondition(bad >= -1, "checksum type and chunk size were validated at init")
        if bad >= 0 {
            throw ChecksumMismatch(chunkOffset: baseOffset + Int(bad) * bytesPerChecksum,
                                   expected: expected, actual: actual, type: type)
        }
    }

    public func verify(_ data: some ContiguousBytes, sums: some ContiguousBytes, baseOffset: Int = 0) throws(ChecksumMismatch) {
        let result: ChecksumMismatch? = data.withUnsafeBytes { dataBuffer -> ChecksumMismatch? in
            sums.withUnsafeBytes { sumsBuffer -> ChecksumMismatch? in
                do throws(ChecksumMismatch) {
                    try verify(dataBuffer, sums: sumsBuffer, baseOffset: baseOffset)
                    return nil
                } catch {
                    return error
                }
            }
        }
        if let result { throw result }
    }
}
