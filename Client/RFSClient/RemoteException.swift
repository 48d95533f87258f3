import RFSModel
import RFSRPC

/// An error the namenode answered with: the Hadoop exception's Java class name and its
/// message, as Hadoop's `RemoteException` carries them. The `is…` checks name the cases
/// callers branch on, so they need not compare class names.
public struct RemoteException: Error, Sendable, Hashable, CustomStringConvertible {
    /// Fully qualified Java class name, e.g. `java.io.FileNotFoundException`.
    public let className: String
    /// The server's message, e.g. `File does not exist: /a`.
    public let message: String

    public init(className: String, message: String) {
        self.className = className
        self.message = message
    }

    public init(_ exception: HadoopException, _ message: String) {
        self.init(className: exception.rawValue, message: message)
    }

    /// The table entry for `className`, when it is one rfs knows.
    public var exception: HadoopException? { HadoopException(rawValue: className) }

    /// The class name without its package (`FileNotFoundException`).
    public var simpleClassName: String {
        className.split(separator: ".").last.map(String.init) ?? className
    }

    public var isFileNotFound: Bool { exception == .fileNotFound }
    public var isFileAlreadyExists: Bool { exception == .fileAlreadyExists }
    public var isParentNotDirectory: Bool { exception == .parentNotDirectory }
    public var isPathIsNotEmptyDirectory: Bool { exception == .pathIsNotEmptyDirectory }
    public var isAccessControl: Bool { exception == .accessControl }
    public var isSafeMode: Bool { exception == .safeMode }
    public var isStandby: Bool { exception == .standby }
    public var isQuotaExceeded: Bool { [.quotaExceeded, .nsQuotaExceeded, .dsQuotaExceeded].contains(exception) }
    public var isInvalidPath: Bool { exception == .invalidPath }
    public var isUnresolvedLink: Bool { exception == .unresolvedLink }
    public var isIllegalArgument: Bool { exception == .illegalArgument }
    public var isUnsupportedOperation: Bool { exception == .unsupportedOperation }
    /// The method is not served by this namenode (an older or partial server).
    public var isNoSuchMethod: Bool { exception == .noSuchMethod }

    public var description: String { "\(className): \(message)" }

    init(_ rpc: RPCRemoteException) {
        self.init(className: rpc.exceptionClassName, message: rpc.errorMessage)
    }
}

/// Errors the client finds before anything reaches the namenode.
public enum FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A path that cannot name an HDFS inode (empty, a `:` in a component, too long or too deep).
    case invalidPath(String, reason: String)
    /// A fully qualified path on another filesystem than the one connected to.
    case wrongFileSystem(path: String, expected: String)
    /// A filesystem URI that is not `hdfs://host[:port]`.
    case invalidURI(String, reason: String)
    /// No namenode accepted a connection, after the retries configured.
    case cannotConnect(address: String, reason: String)
    /// An argument Hadoop's client refuses before calling (HadoopIllegalArgumentException).
    case illegalArgument(String)

    public var description: String {
        switch self {
        case .invalidPath(let path, let reason): "Invalid path name \(path): \(reason)"
        case .wrongFileSystem(let path, let expected): "Wrong FS: \(path), expected: \(expected)"
        case .invalidURI(let uri, let reason): "Invalid filesystem URI \(uri): \(reason)"
        case .illegalArgument(let why): why
        case .cannotConnect(let address, let reason):
            // Hadoop's wording, which scripts grep for.
            reason.contains("refused") ? "Call to \(address) failed on connection exception: java.net.ConnectException: Connection refused"
                : "Call to \(address) failed: \(reason)"
        }
    }
}
