#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a WAL operation failed: what was attempted, on which file, and what an operator can do.
public enum WALError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Another open WAL (in this process or another one) holds the directory's lock file.
    case locked(path: String, holderPID: Int32?)
    /// A record that cannot be trusted, somewhere other than the torn tail that recovery cuts:
    /// in the middle of the last segment, in an earlier segment, or a gap between segments.
    /// `segment` is the file's path, `offset` the byte offset of the bad record in it.
    case corruption(segment: String, offset: Int64, reason: String)
    /// A payload larger than `WALOptions.maxRecordBytes`; nothing of the call was written.
    case recordTooLarge(bytes: Int, maxRecordBytes: Int)
    /// An append of no records (there would be no index range to return).
    case emptyAppend
    /// Caller-indexed records whose indexes do not continue the log (`expected` is the index the
    /// next record must have), or are not consecutive among themselves.
    case indexMismatch(expected: UInt64, got: UInt64)
    /// An index outside what the log holds: `firstIndex...lastIndex` (plus `lastIndex + 1` for a
    /// read, which returns nothing).
    case indexOutOfRange(index: UInt64, firstIndex: UInt64, lastIndex: UInt64)
    /// A system call failed; `code` is its errno.
    case io(operation: String, path: String, code: Int32)
    /// An earlier write or fsync failed, so the log on disk is no longer known; every later
    /// operation throws this until the process restarts and recovery reads what is really there.
    indirect case failed(cause: WALError)
    /// The WAL was closed.
    case closed(directory: String)
    /// `WALOptions` out of range.
    case invalidOptions(String)

    public var description: String {
        switch self {
        case let .locked(path, pid):
            let holder = pid.map { " (held by process \($0))" } ?? ""
            return "the WAL lock \(path) is held by another open WAL\(holder); stop that process or close "
                + "the other WriteAheadLog on this directory first"
        case let .corruption(segment, offset, reason):
            return "WAL corruption in \(segment) at offset \(offset): \(reason); records after it are "
                + "not replayed. Back up the directory, then decide: restore this node from a peer or a "
                + "backup, or truncate the segment at that offset by hand (records after it are lost)"
        case let .recordTooLarge(bytes, max):
            return "WAL record of \(bytes) bytes exceeds maxRecordBytes (\(max)); nothing was written"
        case .emptyAppend:
            return "WAL append of no records"
        case let .indexMismatch(expected, got):
            return "WAL append of index \(got) where index \(expected) comes next"
        case let .indexOutOfRange(index, first, last):
            return "WAL index \(index) is outside the log, which holds \(first)...\(last)"
        case let .io(operation, path, code):
            return "WAL \(operation) on \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .failed(cause):
            return "the WAL stopped accepting writes after an earlier failure (\(cause)); restart the "
                + "process so that recovery reads what reached the disk"
        case let .closed(directory):
            return "the WAL in \(directory) is closed"
        case let .invalidOptions(reason):
            return "invalid WAL options: \(reason)"
        }
    }

    /// Whether the error leaves the log on disk in an unknown state (the WAL must stop).
    var isIOFailure: Bool {
        if case .io = self { return true }
        return false
    }
}
