#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RFSChecksum

/// Writes one replica being written (rbw): data to the block file, one sum per chunk to the
/// meta file. Every append goes straight to the OS with `pwrite` (there is no user-space
/// buffer), so `flush` only marks the packet boundary; `sync` makes both files durable.
/// Not thread-safe: one writer per block, driven by one pipeline connection. It is Sendable so
/// that connection's task can hand it to an I/O thread and back; it is never used from two
/// threads at once.
public final class ReplicaWriter: @unchecked Sendable {
    public let blockID: Int64
    public let generationStamp: Int64
    public let header: BlockMetadataHeader
    public private(set) var lengthBytes: Int
    private let layout: BlockPoolLayout
    private let blockPath: String
    private let metaPath: String
    private var blockDescriptor: Int32
    private var metaDescriptor: Int32

    public var checksum: ChunkedChecksum { header.checksum }

    /// Creates a new rbw replica (both files must not exist) and writes the meta header.
    init(layout: BlockPoolLayout, blockID: Int64, generationStamp: Int64, checksum: ChunkedChecksum) throws(BlockStorageError) {
        let paths = layout.paths(blockID: blockID, generationStamp: generationStamp, state: .rbw)
        let finalized = layout.paths(blockID: blockID, generationStamp: generationStamp, state: .finalized)
        if POSIX.exists(finalized.block) { throw .replicaExists(blockID: blockID, path: finalized.block) }
        self.layout = layout
        self.blockID = blockID
        self.generationStamp = generationStamp
        self.header = BlockMetadataHeader(checksum: checksum)
        self.blockPath = paths.block
        self.metaPath = paths.meta
        self.lengthBytes = 0
        metaDescriptor = -1
        do throws(BlockStorageError) {
            blockDescriptor = try POSIX.open(paths.block, flags: O_RDWR | O_CREAT | O_EXCL)
        } catch {
            if case .io(_, _, EEXIST) = error { throw .replicaExists(blockID: blockID, path: paths.block) }
            throw error
        }
        do throws(BlockStorageError) {
            metaDescriptor = try POSIX.open(paths.meta, flags: O_RDWR | O_CREAT | O_EXCL)
            try withBytes(header.encoded()) { (bytes) throws(BlockStorageError) in
                try POSIX.write(metaDescriptor, bytes, at: 0, path: paths.meta)
            }
        } catch {
            sysClose(blockDescriptor)
            _ = sysUnlink(paths.block)
            if metaDescriptor >= 0 { sysClose(metaDescriptor); _ = sysUnlink(paths.meta) }
            throw error
        }
    }

    /// Reopens an existing rbw replica (after recovery, or for append/hflush) at its length.
    init(reopening replica: ReplicaInfo, layout: BlockPoolLayout) throws(BlockStorageError) {
        self.layout = layout
        blockID = replica.blockID
        generationStamp = replica.generationStamp
        blockPath = replica.blockPath
        metaPath = replica.metaPath
        metaDescriptor = -1
        blockDescriptor = try POSIX.open(blockPath, flags: O_RDWR)
        do throws(BlockStorageError) {
            metaDescriptor = try POSIX.open(metaPath, flags: O_RDWR)
            let headerBytes = try POSIX.read(metaDescriptor, length: BlockMetadataHeader.sizeBytes, at: 0, path: metaPath)
            switch BlockMetadataHeader.decode(headerBytes) {
            case let .success(decoded): header = decoded
            case let .failure(problem): throw BlockStorageError.corruptMeta(path: metaPath, reason: problem.description)
            }
            lengthBytes = try POSIX.size(blockDescriptor, path: blockPath)
        } catch {
            sysClose(blockDescriptor)
            if metaDescriptor >= 0 { sysClose(metaDescriptor) }
            throw error
        }
    }

    deinit {
        if blockDescriptor >= 0 { sysClose(blockDescriptor) }
        if metaDescriptor >= 0 { sysClose(metaDescriptor) }
    }

    /// Appends chunk-aligned data with its precomputed sums (a data-transfer packet's two
    /// sections). The replica's length must be on a chunk boundary; `verify` checks the sums
    /// first, as the last datanode of a pipeline must.
    public func append(_ data: UnsafeRawBufferPointer, sums: UnsafeRawBufferPointer, verify: Bool = false) throws(BlockStorageError) {
        try checkOpen()
        guard lengthBytes % checksum.bytesPerChecksum == 0 else {
            throw .unalignedAppend(blockID: blockID, lengthBytes: lengthBytes, bytesPerChecksum: checksum.bytesPerChecksum)
        }
        let needed = checksum.checksumsLength(forDataLength: data.count)
        guard sums.count == needed else {
            throw .checksumLengthMismatch(blockID: blockID, expectedBytes: needed, gotBytes: sums.count)
        }
        if verify {
            do throws(ChecksumMismatch) {
                try checksum.verify(data, sums: sums, baseOffset: lengthBytes)
            } catch {
                throw .checksumMismatch(blockID: blockID, path: blockPath, mismatch: error)
            }
        }
        try writeAligned(data, sums: sums)
    }

    /// Appends data and computes its sums. If the replica ends inside a chunk (after an
    /// hflush or for an append), that chunk's sum is recomputed over its old and new bytes.
    public func append(_ data: UnsafeRawBufferPointer) throws(BlockStorageError) {
        try checkOpen()
        guard data.count > 0 else { return }
        var rest = data
        let partial = lengthBytes % checksum.bytesPerChecksum
        if partial != 0 {
            let fill = min(checksum.bytesPerChecksum - partial, data.count)
            try completePartialChunk(partialBytes: partial, with: UnsafeRawBufferPointer(rebasing: data[0..<fill]))
            rest = UnsafeRawBufferPointer(rebasing: data[fill...])
        }
        guard rest.count > 0 else { return }
        var sums = [UInt8](repeating: 0, count: checksum.checksumsLength(forDataLength: rest.count))
        sums.withUnsafeMutableBytes { checksum.compute(rest, into: $0) }
        try withBytes(sums) { (sumBytes) throws(BlockStorageError) in
            try writeAligned(rest, sums: sumBytes)
        }
    }

    public func append(_ data: [UInt8]) throws(BlockStorageError) {
        try withBytes(data) { (bytes) throws(BlockStorageError) in try append(bytes) }
    }

    /// The end of a packet. Appends are already in the OS (pwrite, no user buffer); this is
    /// where a buffered implementation would write them out, kept so callers mark the boundary.
    public func flush() throws(BlockStorageError) {
        try checkOpen()
    }

    /// Makes the data and sums written so far durable (hsync, or the end of a block).
    public func sync() throws(BlockStorageError) {
        try checkOpen()
        try POSIX.syncData(blockDescriptor, path: blockPath)
        try POSIX.syncData(metaDescriptor, path: metaPath)
    }

    /// Syncs both files, moves them into finalized/subdirA/subdirB, makes the renames durable,
    /// and returns the finalized replica. `length` must be the bytes written (the namenode's
    /// view of the block's length, checked against ours).
    public func finalize(length: Int? = nil) throws(BlockStorageError) -> ReplicaInfo {
        try checkOpen()
        if let length, length != lengthBytes {
            throw .invalidRange(blockID: blockID, offset: 0, length: length, replicaLengthBytes: lengthBytes)
        }
        try sync()
        closeDescriptors()
        let target = layout.paths(blockID: blockID, generationStamp: generationStamp, state: .finalized)
        let directory = layout.finalizedDirectory(blockID: blockID)
        try POSIX.makeDirectories(directory)
        if POSIX.exists(target.block) { throw .replicaExists(blockID: blockID, path: target.block) }
        // Meta first: a crash between the renames leaves a block file in rbw and a meta file in
        // finalized; the scan reports both halves instead of a finalized block without sums.
        try POSIX.rename(metaPath, to: target.meta)
        try POSIX.rename(blockPath, to: target.block)
        try POSIX.syncDirectory(directory)
        try POSIX.syncDirectory(layout.rbwDirectory)
        return ReplicaInfo(blockID: blockID, generationStamp: generationStamp, lengthBytes: lengthBytes,
                           state: .finalized, blockPath: target.block, metaPath: target.meta)
    }

    /// Cuts the replica to `length` bytes (block recovery agreeing on the shortest replica, or
    /// a truncate). Sums past the cut go; a last partial chunk gets its sum recomputed over
    /// the bytes that stay, so the replica verifies at its new length.
    public func truncate(to length: Int) throws(BlockStorageError) {
        try checkOpen()
        guard length >= 0, length <= lengthBytes else {
            throw .invalidRange(blockID: blockID, offset: 0, length: length, replicaLengthBytes: lengthBytes)
        }
        guard length < lengthBytes else { return }
        let chunkStart = length - length % checksum.bytesPerChecksum
        let partialBytes = length - chunkStart
        if partialBytes > 0 {
            let chunk = try POSIX.read(blockDescriptor, length: partialBytes, at: chunkStart, path: blockPath)
            guard chunk.count == partialBytes else {
                throw .io(operation: "read of the chunk cut by truncate", path: blockPath, code: EIO)
            }
            try withBytes(checksum.compute(chunk)) { (bytes) throws(BlockStorageError) in
                try POSIX.write(metaDescriptor, bytes, at: header.sumOffset(forDataOffset: chunkStart), path: metaPath)
            }
        }
        try POSIX.truncate(blockDescriptor, to: length, path: blockPath)
        try POSIX.truncate(metaDescriptor, to: header.metaLength(forDataLength: length), path: metaPath)
        lengthBytes = length
    }

    /// Syncs and closes, leaving the replica in rbw (the pipeline closed without finalizing).
    public func close() throws(BlockStorageError) {
        guard blockDescriptor >= 0 else { return }
        defer { closeDescriptors() }
        try sync()
    }

    /// Closes and deletes both files (a write that was cancelled).
    public func abort() {
        closeDescriptors()
        _ = sysUnlink(blockPath)
        _ = sysUnlink(metaPath)
    }

    /// The replica as it stands, still in rbw.
    public var replica: ReplicaInfo {
        ReplicaInfo(blockID: blockID, generationStamp: generationStamp, lengthBytes: lengthBytes,
                    state: .rbw, blockPath: blockPath, metaPath: metaPath)
    }

    // MARK: - Leaves

    private func checkOpen() throws(BlockStorageError) {
        if blockDescriptor < 0 { throw .writerClosed(blockID: blockID) }
    }

    private func closeDescriptors() {
        if blockDescriptor >= 0 { sysClose(blockDescriptor); blockDescriptor = -1 }
        if metaDescriptor >= 0 { sysClose(metaDescriptor); metaDescriptor = -1 }
    }

    /// Data at a chunk boundary: data first, then sums, so a torn write leaves data without its
    /// sum (cut by recovery) rather than a sum without data.
    private func writeAligned(_ data: UnsafeRawBufferPointer, sums: UnsafeRawBufferPointer) throws(BlockStorageError) {
        guard data.count > 0 else { return }
        try POSIX.write(blockDescriptor, data, at: lengthBytes, path: blockPath)
        try POSIX.write(metaDescriptor, sums, at: header.sumOffset(forDataOffset: lengthBytes), path: metaPath)
        lengthBytes += data.count
    }

    /// Rewrites the sum of the last, partial chunk over its old bytes plus `tail`.
    private func completePartialChunk(partialBytes: Int, with tail: UnsafeRawBufferPointer) throws(BlockStorageError) {
        let chunkStart = lengthBytes - partialBytes
        var chunk = try POSIX.read(blockDescriptor, length: partialBytes, at: chunkStart, path: blockPath)
        guard chunk.count == partialBytes else {
            throw .io(operation: "read of the partial last chunk", path: blockPath, code: EIO)
        }
        chunk.append(contentsOf: tail)
        let sum = checksum.compute(chunk)
        try POSIX.write(blockDescriptor, tail, at: lengthBytes, path: blockPath)
        try withBytes(sum) { (bytes) throws(BlockStorageError) in
            try POSIX.write(metaDescriptor, bytes, at: header.sumOffset(forDataOffset: chunkStart), path: metaPath)
        }
        lengthBytes += tail.count
    }
}
