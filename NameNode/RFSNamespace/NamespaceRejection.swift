import RFSModel

/// Why the namespace refused an operation. Values, not crashes: each maps to the Hadoop
/// exception a client expects (one table, `HadoopException`), with HDFS's wording where
/// clients or users match on it.
public enum NamespaceRejection: Error, Equatable, Sendable, RemoteError {
    case invalidPath(String, String)
    case componentTooLong(String, component: String, limit: Int)
    case fileNotFound(String)
    case fileAlreadyExists(String)
    case parentNotDirectory(String)
    /// A path that runs through a file ("/file/below"), for an operation that does not
    /// create it: HDFS answers AccessControlException "/file (is not a directory)".
    case pathThroughFile(String)
    case notADirectory(String)
    case isADirectory(String)
    case directoryNotEmpty(String)
    case accessDenied(user: String, access: String, inode: String)
    case notOwner(user: String, path: String)
    case notSuperuser(user: String, what: String)
    case leaseExpired(String)
    case alreadyBeingCreated(String)
    case notUnderConstruction(String)
    case illegalArgument(String)
    case unsupported(String)
    case tooManyItems(String, limit: Int)
    case notFormatted
    /// Refusals HDFS raises as a plain IOException.
    case io(String)

    public var exception: HadoopException {
        switch self {
        case .invalidPath: .invalidPath
        case .componentTooLong: .pathComponentTooLong
        case .fileNotFound, .notADirectory: .fileNotFound
        case .fileAlreadyExists, .isADirectory: .fileAlreadyExists
        case .parentNotDirectory: .parentNotDirectory
        case .directoryNotEmpty: .pathIsNotEmptyDirectory
        case .accessDenied, .notOwner, .notSuperuser, .pathThroughFile: .accessControl
        case .leaseExpired, .notUnderConstruction: .leaseExpired
        case .alreadyBeingCreated: .alreadyBeingCreated
        case .illegalArgument: .illegalArgument
        case .unsupported: .unsupportedOperation
        case .tooManyItems: .maxDirectoryItemsExceeded
        case .notFormatted, .io: .ioException
        }
    }

    public var exceptionClassName: String { exception.rawValue }

    public var errorMessage: String {
        switch self {
        case .invalidPath(let path, let why): "Invalid path name \(why): \(path)"
        case .componentTooLong(let path, let component, let limit):
            "The maximum path component name limit of \(component) in directory \(path) is exceeded: limit=\(limit) length=\(component.utf8.count)"
        // These carry HDFS's whole message, built where the context is known.
        case .fileNotFound(let message), .fileAlreadyExists(let message), .parentNotDirectory(let message),
             .directoryNotEmpty(let message), .pathThroughFile(let message):
            message
        case .notADirectory(let path): "\(path) is not a directory"
        case .isADirectory(let path): "\(path) already exists as a directory"
        case .accessDenied(let user, let access, let inode): "Permission denied: user=\(user), access=\(access), inode=\"\(inode)"
        case .notOwner(let user, let path): "Permission denied. user=\(user) is not the owner of inode=\(path)"
        case .notSuperuser(let user, let what): "Access denied for user \(user). Superuser privilege is required to \(what)"
        case .leaseExpired(let why): "\(why)"
        case .alreadyBeingCreated(let why): "\(why)"
        case .notUnderConstruction(let path): "File is not open for writing: \(path)"
        case .illegalArgument(let why): why
        case .unsupported(let why): why
        case .tooManyItems(let path, let limit): "The directory item limit of \(path) is exceeded: limit=\(limit)"
        case .notFormatted: "the namespace is not formatted"
        case .io(let why): why
        }
    }
}
