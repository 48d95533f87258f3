#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RFSChecksum

/// A chunk-aligned range of a replica with the sums that cover it.
public struct ReplicaRange: Sendable, Hashable {
    /// Offset of `data`'s first byte in the block.
    public let offset: Int
    public let data: [UInt8]
    public let sums: [UInt8]
}

/// Where a range of a replica lies in its block file, for a zero-copy send (NIO FileRegion,
/// sendfile). The descriptor belongs to the reader and stays valid until it is closed.
public struct FileSpan: Sendable, Hashable {
    public let descriptor: Int32
    public let offset: Int
    public let lengthBytes: Int
}

/// Reads a replica's data and sums (finalized or rbw). Not thread-safe; cheap to open one per
/// read request.
public final class ReplicaReader: @unchecked Sendable {
    public let replica: ReplicaInfo
    public let header: BlockMetadataHeader
    /// The replica's length when it was opened (the block file's size).
    public let lengthBytes: Int
    private var blockDescriptor: Int32
    private var metaDescriptor: Int32

    public var checksum: ChunkedChecksum { header.checksum }

    public init(_ replica: ReplicaInfo) throws(BlockStorageError) {
        self.replica = replica
        metaDescriptor = -1
        blockDescriptor = try POSIX.open(replica.blockPath, flags: O_RDONLY)
        do throws(BlockStorageError) {
            metaDescriptor = try POSIX.open(replica.metaPath, flags: O_RDONLY)
            let headerBytes = try POSIX.read(metaDescriptor, length: BlockMetadataHeader.sizeBytes, at: 0, path: replica.metaPath)
            switch BlockMetadataHeader.decode(headerBytes) {
            case let .success(decoded): header = decoded
            case let .failure(problem): throw BlockStorageError.corruptMeta(path: replica.metaPath, reason: problem.description)
            }
            lengthBytes = try POSIX.size(blockDescriptor, path: replica.blockPath)
        } catch {
            sysClose(blockDescriptor)
            if metaDescriptor >= 0 { sysClose(metaDescriptor) }
            throw error
        }
    }

    deinit { close() }

    public func close() {
        if blockDescriptor >= 0 { sysClose(blockDescriptor); blockDescriptor = -1 }
        if metaDescriptor >= 0 { sysClose(metaDescriptor); metaDescriptor = -1 }
    }

    /// Reads `length` bytes from a chunk-aligned `offset` (clipped to the replica's end) and the
    /// sums covering them.
    public func read(offset: Int, length: Int) throws(BlockStorageError) -> ReplicaRange {
        let length = try checkedLength(offset: offset, length: length)
        let data = try POSIX.read(blockDescriptor, length: length, at: offset, path: replica.blockPath)
        guard data.count == length else {
            throw .io(operation: "read (file shorter than at open)", path: replica.blockPath, code: EIO)
        }
        let sumsLength = checksum.checksumsLength(forDataLength: length)
        let sums = try POSIX.read(metaDescriptor, length: sumsLength, at: header.sumOffset(forDataOffset: offset),
                                  path: replica.metaPath)
        return ReplicaRange(offset: offset, data: data, sums: sums)
    }

    /// The sums covering `length` bytes from a chunk-aligned `offset` (clipped to the
    /// replica's end), for a send whose data goes zero-copy from `fileSpan`.
    public func readSums(offset: Int, length: Int) throws(BlockStorageError) -> [UInt8] {
        let length = try checkedLength(offset: offset, length: length)
        let sumsLength = checksum.checksumsLength(forDataLength: length)
        let sums = try POSIX.read(metaDescriptor, length: sumsLength, at: header.sumOffset(forDataOffset: offset),
                                  path: replica.metaPath)
        guard sums.count == sumsLength else {
            throw .corruptMeta(path: replica.metaPath, reason: "meta file ends before the sums of bytes \(offset)..<\(offset + length)")
        }
        return sums
    }

    /// `readSums`, except that the sum of a last partial chunk is computed from the block
    /// file's bytes rather than read from the meta file. For a replica being written: its
    /// meta file holds the partial chunk's sum over the bytes on disk, and a packet arriving
    /// since the range was fixed may have extended the chunk and rewritten that sum; the bytes
    /// below the range's end never change. Costs one read and one sum of under a chunk.
    public func readSumsComputingPartialTail(offset: Int, length: Int) throws(BlockStorageError) -> [UInt8] {
        var sums = try readSums(offset: offset, length: length)
        let clipped = try checkedLength(offset: offset, length: length)
        let tailBytes = clipped % checksum.bytesPerChecksum
        guard tailBytes > 0 else { return sums }
        let tail = try POSIX.read(blockDescriptor, length: tailBytes, at: offset + clipped - tailBytes, path: replica.blockPath)
        guard tail.count == tailBytes else {
            throw .io(operation: "read (file shorter than at open)", path: replica.blockPath, code: EIO)
        }
        let tailSum = checksum.compute(tail)
        sums.replaceSubrange((sums.count - tailSum.count)..., with: tailSum)
        return sums
    }

    /// `read`, then checks the data against its sums; a mismatch names the chunk's offset in
    /// the block. Missing sums (a short meta file) count as a mismatch.
    public func readVerified(offset: Int, length: Int) throws(BlockStorageError) -> ReplicaRange {
        let range = try read(offset: offset, length: length)
        do throws(ChecksumMismatch) {
            try checksum.verify(range.data, sums: range.sums, baseOffset: offset)
        } catch {
            throw .checksumMismatch(blockID: replica.blockID, path: replica.blockPath, mismatch: error)
        }
        return range
    }

    /// Verifies the whole replica, a slice at a time (the block scanner's check).
    public func verifyAll() throws(BlockStorageError) {
        let slice = Self.sliceLength(bytesPerChecksum: checksum.bytesPerChecksum)
        var offset = 0
        while offset < lengthBytes {
            _ = try readVerified(offset: offset, length: min(slice, lengthBytes - offset))
            offset += slice
        }
    }

    /// The block file's descriptor and the byte range to send, for a zero-copy transfer.
    /// Unlike `read`, `offset` need not be chunk-aligned (the caller sends sums separately).
    public func fileSpan(offset: Int, length: Int) throws(BlockStorageError) -> FileSpan {
        guard offset >= 0, length >= 0, offset <= lengthBytes, blockDescriptor >= 0 else {
            throw .invalidRange(blockID: replica.blockID, offset: offset, length: length, replicaLengthBytes: lengthBytes)
        }
        return FileSpan(descriptor: blockDescriptor, offset: offset, lengthBytes: min(length, lengthBytes - offset))
    }

    /// A slice of about `BlockStorageLimits.verifySliceBytes`, a whole number of chunks.
    static func sliceLength(bytesPerChecksum: Int) -> Int {
        max(1, BlockStorageLimits.verifySliceBytes / bytesPerChecksum) * bytesPerChecksum
    }

    private func checkedLength(offset: Int, length: Int) throws(BlockStorageError) -> Int {
        guard blockDescriptor >= 0, offset >= 0, length >= 0, offset <= lengthBytes,
              offset % checksum.bytesPerChecksum == 0 else {
            throw .invalidRange(blockID: replica.blockID, offset: offset, length: length, replicaLengthBytes: lengthBytes)
        }
        return min(length, lengthBytes - offset)
    }
}
