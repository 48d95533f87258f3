#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RFSClient
import RFSConfig
import RFSModel

/// The one table from the errors rfs's client throws to the POSIX codes libhdfs sets: by the
/// Hadoop exception class, as libhdfs's exception table does, EIO for what has no closer code.
enum ErrorMapping {
    static func posixCode(for error: any Error) -> Int32 {
        switch error {
        case let remote as RemoteException: posixCode(forException: remote.className)
        case let failure as LibHDFSError: failure.code
        case let failure as FileSystemError:
            switch failure {
            case .invalidPath, .wrongFileSystem, .invalidURI, .illegalArgument: EINVAL
            case .cannotConnect: ECONNREFUSED
            }
        case is ConfigError: EINVAL
        default: EIO
        }
    }

    static func posixCode(forException className: String) -> Int32 {
        switch HadoopException(rawValue: className) {
        case .fileNotFound: ENOENT
        case .fileAlreadyExists, .alreadyBeingCreated: EEXIST
        case .accessControl, .snapshotAccessControl, .invalidToken: EACCES
        case .parentNotDirectory, .pathIsNotDirectory: ENOTDIR
        case .pathIsNotEmptyDirectory: ENOTEMPTY
        case .invalidPath, .illegalArgument, .eof: EINVAL
        case .pathComponentTooLong: ENAMETOOLONG
        case .quotaExceeded, .nsQuotaExceeded, .dsQuotaExceeded, .maxDirectoryItemsExceeded: EDQUOT
        case .safeMode: EROFS
        case .unsupportedOperation, .noSuchMethod: ENOTSUP
        case .unresolvedLink: ENOLINK
        case .leaseExpired, .recoveryInProgress, .notReplicatedYet, .retriable, .standby: EAGAIN
        default: EIO
        }
    }

    /// "<Java class>: <message>", the shape libhdfs prints for a root cause.
    static func text(for error: any Error) -> String {
        switch error {
        case let remote as RemoteException: "\(remote.className): \(remote.message)"
        case let failure as LibHDFSError: failure.message
        case let failure as FileSystemError: "\(failure)"
        default: "java.io.IOException: \(error)"
        }
    }
}

/// A failure the library itself decides, with its errno.
struct LibHDFSError: Error, Sendable {
    let code: Int32
    let message: String

    init(_ code: Int32, _ message: String) {
        self.code = code
        self.message = message
    }
}
