#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import RFSChecksum

/// Why a block-storage operation failed: what was attempted, on which path or block, and what
/// an operator can do about it.
public enum BlockStorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `code` is its errno (ENOSPC when the disk is full).
    case io(operation: String, path: String, code: Int32)
    /// Another process (or another `StorageVolume` in this one) holds the volume's lock file.
    case volumeLocked(path: String)
    /// `<volume>/current/VERSION` exists but cannot be understood.
    case badVersionFile(path: String, reason: String)
    /// A meta file whose header (or length) cannot be trusted.
    case corruptMeta(path: String, reason: String)
    /// A chunk of a replica does not match its stored checksum.
    case checksumMismatch(blockID: Int64, path: String, mismatch: ChecksumMismatch)
    /// A replica of this block is already on the volume.
    case replicaExists(blockID: Int64, path: String)
    /// Precomputed sums can only be appended at a chunk boundary.
    case unalignedAppend(blockID: Int64, lengthBytes: Int, bytesPerChecksum: Int)
    /// Sums given with data do not cover it (`expectedBytes` of sums were needed).
    case checksumLengthMismatch(blockID: Int64, expectedBytes: Int, gotBytes: Int)
    /// A read outside the replica, or not starting on a chunk boundary.
    case invalidRange(blockID: Int64, offset: Int, length: Int, replicaLengthBytes: Int)
    /// No healthy volume has room for a new replica of `requiredBytes`.
    case noVolumeAvailable(requiredBytes: Int64, failedVolumes: Int)
    /// The writer was finalized, closed or aborted already.
    case writerClosed(blockID: Int64)

    public var description: String {
        switch self {
        case let .io(operation, path, code):
            let hint = code == ENOSPC ? " (the disk is full: free space or exclude this volume)" : ""
            return "\(operation) failed on \(path): \(String(cString: strerror(code))) (errno \(code))\(hint)"
        case let .volumeLocked(path):
            return "the volume lock \(path) is held by another datanode or StorageVolume; stop it or "
                + "configure a different data directory"
        case let .badVersionFile(path, reason):
            return "cannot read the volume's VERSION file \(path): \(reason); restore it or remove the volume"
        case let .corruptMeta(path, reason):
            return "corrupt meta file \(path): \(reason)"
        case let .checksumMismatch(blockID, path, mismatch):
            return "block \(blockID) (\(path)): \(mismatch)"
        case let .replicaExists(blockID, path):
            return "a replica of block \(blockID) already exists at \(path)"
        case let .unalignedAppend(blockID, length, bytesPerChecksum):
            return "block \(blockID): precomputed checksums appended at offset \(length), which is not a "
                + "multiple of \(bytesPerChecksum); append the data without sums so the last chunk is recomputed"
        case let .checksumLengthMismatch(blockID, expected, got):
            return "block \(blockID): \(got) bytes of checksums given, \(expected) needed for the data"
        case let .invalidRange(blockID, offset, length, replicaLength):
            return "block \(blockID): range offset \(offset) length \(length) is outside the replica "
                + "(\(replicaLength) bytes) or not chunk-aligned"
        case let .noVolumeAvailable(required, failed):
            return "no volume has \(required) bytes available (\(failed) failed volumes)"
        case let .writerClosed(blockID):
            return "the writer of block \(blockID) is already finalized, closed or aborted"
        }
    }
}
