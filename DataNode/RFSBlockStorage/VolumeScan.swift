#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import RFSChecksum

/// What a volume holds, found at start: the block report's replicas, the rbw replicas after
/// recovery, and whatever could not be trusted.
public struct VolumeScanReport: Sendable, Equatable {
    public var finalized: [ReplicaInfo] = []
    public var recovered: [RecoveredReplica] = []
    public var corrupt: [CorruptReplica] = []
    public var removedTemporaryFiles: [String] = []
}

/// An rbw replica cut back to its last checksummed length.
public struct RecoveredReplica: Sendable, Equatable {
    public let replica: ReplicaInfo
    public let originalLengthBytes: Int
    public var bytesCut: Int { originalLengthBytes - replica.lengthBytes }
}

/// A replica that cannot be served: reported to the namenode as corrupt, never a crash.
public struct CorruptReplica: Sendable, Equatable {
    public let blockID: Int64
    public let state: ReplicaState
    public let path: String
    public let reason: String
}

extension StorageVolume {
    /// Lists finalized replicas, recovers rbw ones, reports corrupt ones and removes temporary
    /// files. Throws only when a directory cannot be listed (the volume itself is failing).
    public func scan() throws(BlockStorageError) -> VolumeScanReport {
        var report = VolumeScanReport()
        report.removedTemporaryFiles = try removeTemporaryFiles()
        for first in try POSIX.listDirectory(layout.finalizedDirectory) where first.hasPrefix("subdir") {
            for second in try POSIX.listDirectory("\(layout.finalizedDirectory)/\(first)") where second.hasPrefix("subdir") {
                try scanDirectory("\(layout.finalizedDirectory)/\(first)/\(second)", state: .finalized, into: &report)
            }
        }
        try scanDirectory(layout.rbwDirectory, state: .rbw, into: &report)
        return report
    }

    private func removeTemporaryFiles() throws(BlockStorageError) -> [String] {
        var removed: [String] = []
        for name in try POSIX.listDirectory(layout.tmpDirectory) {
            removed.append("\(layout.tmpDirectory)/\(name)")
        }
        for name in try POSIX.listDirectory(layout.rbwDirectory) where name.hasSuffix(".tmp") {
            removed.append("\(layout.rbwDirectory)/\(name)")
        }
        for file in removed { try POSIX.unlink(file) }
        if !removed.isEmpty { logger.info("removed \(removed.count) temporary files from \(path)") }
        return removed
    }

    /// Pairs block files with meta files in one directory.
    private func scanDirectory(_ directory: String, state: ReplicaState, into report: inout VolumeScanReport) throws(BlockStorageError) {
        var blocks: Set<Int64> = []
        var metas: [Int64: [Int64]] = [:]
        for name in try POSIX.listDirectory(directory) {
            switch BlockPoolLayout.parse(fileName: name) {
            case let .block(id): blocks.insert(id)
            case let .meta(id, stamp): metas[id, default: []].append(stamp)
            case nil: continue
            }
        }
        for id in blocks.union(metas.keys).sorted() {
            let blockPath = "\(directory)/\(BlockPoolLayout.blockFileName(blockID: id))"
            let stamps = metas[id] ?? []
            guard blocks.contains(id) else {
                report.corrupt.append(CorruptReplica(blockID: id, state: state, path: blockPath + "_*.meta",
                                                     reason: "meta file without a block file"))
                continue
            }
            guard stamps.count == 1, let stamp = stamps.first else {
                let reason = stamps.isEmpty ? "block file without a meta file" : "\(stamps.count) meta files"
                report.corrupt.append(CorruptReplica(blockID: id, state: state, path: blockPath, reason: reason))
                continue
            }
            let metaPath = "\(directory)/\(BlockPoolLayout.metaFileName(blockID: id, generationStamp: stamp))"
            let replica = ReplicaInfo(blockID: id, generationStamp: stamp, lengthBytes: 0, state: state,
                                      blockPath: blockPath, metaPath: metaPath)
            try examine(replica, into: &report)
        }
    }

    /// Finalized: header check and the block file's size. Rbw: recovery to the longest prefix
    /// whose chunks verify.
    private func examine(_ replica: ReplicaInfo, into report: inout VolumeScanReport) throws(BlockStorageError) {
        do throws(BlockStorageError) {
            if replica.state == .finalized {
                let reader = try ReplicaReader(replica)
                defer { reader.close() }
                report.finalized.append(ReplicaInfo(
                    blockID: replica.blockID, generationStamp: replica.generationStamp, lengthBytes: reader.lengthBytes,
                    state: .finalized, blockPath: replica.blockPath, metaPath: replica.metaPath))
            } else {
                report.recovered.append(try recover(replica))
            }
        } catch {
            if case .corruptMeta(let metaPath, let reason) = error {
                report.corrupt.append(CorruptReplica(blockID: replica.blockID, state: replica.state,
                                                     path: metaPath, reason: reason))
            } else {
                throw error
            }
        }
    }

    /// Cuts an rbw replica to its last valid checksummed length, block and meta file alike.
    func recover(_ replica: ReplicaInfo) throws(BlockStorageError) -> RecoveredReplica {
        let reader = try ReplicaReader(replica)
        defer { reader.close() }
        let metaSize = try POSIX.size(path: replica.metaPath) ?? 0
        let checksum = reader.checksum
        let originalLength = reader.lengthBytes
        var validLength = originalLength
        if checksum.checksumSizeBytes > 0 {
            let sumsHeld = (metaSize - BlockMetadataHeader.sizeBytes) / checksum.checksumSizeBytes
            validLength = min(originalLength, sumsHeld * checksum.bytesPerChecksum)
            validLength = try verifiedPrefix(reader, upTo: validLength)
        }
        let metaLength = reader.header.metaLength(forDataLength: validLength)
        if validLength != originalLength || metaLength != metaSize {
            try truncate(replica.blockPath, to: validLength)
            try truncate(replica.metaPath, to: metaLength)
        }
        logger.info("recovered rbw replica blk_\(replica.blockID)_\(replica.generationStamp) on \(path): \(validLength) bytes kept, \(originalLength - validLength) bytes cut")
        let recovered = ReplicaInfo(blockID: replica.blockID, generationStamp: replica.generationStamp,
                                    lengthBytes: validLength, state: .rbw,
                                    blockPath: replica.blockPath, metaPath: replica.metaPath)
        return RecoveredReplica(replica: recovered, originalLengthBytes: originalLength)
    }

    /// The length of the longest prefix of `0..<limit` whose chunks (the last one possibly
    /// partial) match their sums.
    private func verifiedPrefix(_ reader: ReplicaReader, upTo limit: Int) throws(BlockStorageError) -> Int {
        let slice = ReplicaReader.sliceLength(bytesPerChecksum: reader.checksum.bytesPerChecksum)
        var offset = 0
        while offset < limit {
            do throws(BlockStorageError) {
                _ = try reader.readVerified(offset: offset, length: min(slice, limit - offset))
            } catch {
                if case let .checksumMismatch(_, _, mismatch) = error { return mismatch.chunkOffset }
                throw error
            }
            offset += slice
        }
        return limit
    }

    private func truncate(_ file: String, to length: Int) throws(BlockStorageError) {
        let descriptor = try POSIX.open(file, flags: O_RDWR)
        defer { sysClose(descriptor) }
        try POSIX.truncate(descriptor, to: length, path: file)
        try POSIX.syncFile(descriptor, path: file)
    }
}
