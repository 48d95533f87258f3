#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Logging
import RFSChecksum

/// One data directory of a datanode, serving one block pool. Opening it creates the layout,
/// takes `<volume>/in_use.lock` (flock, exclusive, non-blocking: the kernel drops it if the
/// process dies) and reads or creates `<volume>/current/VERSION` with the volume's storage id.
/// Not thread-safe: the datanode serialises volume-level calls.
public final class StorageVolume {
    public let path: String
    public let layout: BlockPoolLayout
    /// "DS-<uuid>", stable across restarts (HDFS's DatanodeStorage id).
    public let storageID: String
    /// Bytes kept free for other users of the disk (dfs.datanode.du.reserved).
    public let reservedBytes: Int64
    let logger: Logger
    private var lockDescriptor: Int32

    public var lockPath: String { "\(path)/in_use.lock" }
    public var versionPath: String { "\(path)/current/VERSION" }

    public init(path: String, blockPoolID: String, reservedBytes: Int64 = 0,
                logger: Logger = Logger(label: "rfs.blockstorage")) throws(BlockStorageError) {
        self.path = path
        self.layout = BlockPoolLayout(volumeRoot: path, blockPoolID: blockPoolID)
        self.reservedBytes = reservedBytes
        self.logger = logger
        try POSIX.makeDirectories(path)
        lockDescriptor = try Self.lock("\(path)/in_use.lock")
        do throws(BlockStorageError) {
            for directory in [layout.finalizedDirectory, layout.rbwDirectory, layout.tmpDirectory] {
                try POSIX.makeDirectories(directory)
            }
            storageID = try Self.readOrCreateStorageID(versionPath: "\(path)/current/VERSION")
        } catch {
            sysClose(lockDescriptor)
            throw error
        }
    }

    deinit { close() }

    /// Releases the volume lock.
    public func close() {
        if lockDescriptor >= 0 { sysClose(lockDescriptor); lockDescriptor = -1 }
    }

    /// The file system's size (statvfs).
    public func capacityBytes() throws(BlockStorageError) -> Int64 {
        let status = try fileSystemStatus()
        return Int64(status.f_blocks) * Int64(status.f_frsize)
    }

    /// Space a new replica may use: what unprivileged users may still write, less `reservedBytes`.
    public func availableBytes() throws(BlockStorageError) -> Int64 {
        let status = try fileSystemStatus()
        return max(0, Int64(status.f_bavail) * Int64(status.f_frsize) - reservedBytes)
    }

    /// Starts a new replica in rbw.
    public func createReplica(blockID: Int64, generationStamp: Int64,
                              checksum: ChunkedChecksum = .hdfsDefault) throws(BlockStorageError) -> ReplicaWriter {
        try ReplicaWriter(layout: layout, blockID: blockID, generationStamp: generationStamp, checksum: checksum)
    }

    /// Reopens an rbw replica to write more (append, or after recovery).
    public func reopenReplica(_ replica: ReplicaInfo) throws(BlockStorageError) -> ReplicaWriter {
        try ReplicaWriter(reopening: replica, layout: layout)
    }

    /// The finalized replica of a block, if this volume has one.
    public func finalizedReplica(blockID: Int64, generationStamp: Int64) throws(BlockStorageError) -> ReplicaInfo? {
        let paths = layout.paths(blockID: blockID, generationStamp: generationStamp, state: .finalized)
        guard let length = try POSIX.size(path: paths.block), POSIX.exists(paths.meta) else { return nil }
        return ReplicaInfo(blockID: blockID, generationStamp: generationStamp, lengthBytes: length,
                           state: .finalized, blockPath: paths.block, metaPath: paths.meta)
    }

    /// Moves a finalized replica back to rbw under `newGenerationStamp` and opens it for
    /// writing at its end (append). Meta first, as in `finalize`, in reverse.
    public func reopenForAppend(_ replica: ReplicaInfo, newGenerationStamp: Int64) throws(BlockStorageError) -> ReplicaWriter {
        let target = layout.paths(blockID: replica.blockID, generationStamp: newGenerationStamp, state: .rbw)
        try POSIX.rename(replica.metaPath, to: target.meta)
        try POSIX.rename(replica.blockPath, to: target.block)
        try POSIX.syncDirectory(layout.rbwDirectory)
        try POSIX.syncDirectory(POSIX.parentDirectory(of: replica.blockPath))
        let moved = ReplicaInfo(blockID: replica.blockID, generationStamp: newGenerationStamp, lengthBytes: replica.lengthBytes,
                                state: .rbw, blockPath: target.block, metaPath: target.meta)
        return try reopenReplica(moved)
    }

    /// Gives a replica a new generation stamp (pipeline or lease recovery) by renaming its meta
    /// file.
    public func changeGenerationStamp(_ replica: ReplicaInfo, to newGenerationStamp: Int64) throws(BlockStorageError) -> ReplicaInfo {
        guard newGenerationStamp != replica.generationStamp else { return replica }
        let target = layout.paths(blockID: replica.blockID, generationStamp: newGenerationStamp, state: replica.state)
        try POSIX.rename(replica.metaPath, to: target.meta)
        try POSIX.syncDirectory(POSIX.parentDirectory(of: target.meta))
        return ReplicaInfo(blockID: replica.blockID, generationStamp: newGenerationStamp, lengthBytes: replica.lengthBytes,
                           state: replica.state, blockPath: replica.blockPath, metaPath: target.meta)
    }

    /// Deletes both files of a replica (an invalidate command, or a failed write).
    public func deleteReplica(_ replica: ReplicaInfo) throws(BlockStorageError) {
        for path in [replica.blockPath, replica.metaPath] where POSIX.exists(path) {
            try POSIX.unlink(path)
        }
    }

    // MARK: - Leaves

    private func fileSystemStatus() throws(BlockStorageError) -> statvfs {
        var status = statvfs()
        if statvfs(path, &status) != 0 { throw .io(operation: "statvfs", path: path, code: errno) }
        return status
    }

    private static func lock(_ lockPath: String) throws(BlockStorageError) -> Int32 {
        let descriptor = try POSIX.open(lockPath, flags: O_RDWR | O_CREAT)
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            sysClose(descriptor)
            if code == EWOULDBLOCK { throw .volumeLocked(path: lockPath) }
            throw .io(operation: "flock", path: lockPath, code: code)
        }
        return descriptor
    }

    /// VERSION is a few `key=value` lines; we read `storageID` and write it on first open
    /// (through a temporary file, renamed and synced, so a crash never leaves half a file).
    private static func readOrCreateStorageID(versionPath: String) throws(BlockStorageError) -> String {
        if POSIX.exists(versionPath) {
            let descriptor = try POSIX.open(versionPath, flags: O_RDONLY)
            defer { sysClose(descriptor) }
            let size = try POSIX.size(descriptor, path: versionPath)
            let text = String(decoding: try POSIX.read(descriptor, length: size, at: 0, path: versionPath), as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("storageID=") {
                let id = String(line.dropFirst("storageID=".count))
                if id.hasPrefix("DS-") { return id }
                throw .badVersionFile(path: versionPath, reason: "storageID \(id) does not start with DS-")
            }
            throw .badVersionFile(path: versionPath, reason: "no storageID line")
        }
        let id = "DS-\(UUID().uuidString.lowercased())"
        let text = Array("#rfs storage\nstorageID=\(id)\nstorageType=DATA_NODE\nlayoutVersion=-57\n".utf8)
        let temporary = versionPath + ".tmp"
        let descriptor = try POSIX.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
        do throws(BlockStorageError) {
            try withBytes(text) { (bytes) throws(BlockStorageError) in
                try POSIX.write(descriptor, bytes, at: 0, path: temporary)
            }
            try POSIX.syncData(descriptor, path: temporary)
        } catch {
            sysClose(descriptor)
            throw error
        }
        sysClose(descriptor)
        try POSIX.rename(temporary, to: versionPath)
        try POSIX.syncDirectory(POSIX.parentDirectory(of: versionPath))
        return id
    }
}
