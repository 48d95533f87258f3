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
    /// An AccessControlException with a message of its own (extended attributes' rules).
    case accessControl(String)
    case leaseExpired(String)
    case alreadyBeingCreated(String)
    case notUnderConstruction(String)
    case illegalArgument(String)
    /// HDFS's own HadoopIllegalArgumentException (storage policies, among others).
    case hadoopIllegalArgument(String)
    case unsupported(String)
    case tooManyItems(String, limit: Int)
    /// setQuota on something that is not a directory (PathIsNotDirectoryException).
    case pathIsNotDirectory(String)
    /// A change would take the directory at `path` past its namespace quota (directories and
    /// files); `count` is what its usage would have become.
    case namespaceQuotaExceeded(path: String, quota: Int64, count: Int64)
    /// The same for its storage-space quota (bytes times replication).
    case storagespaceQuotaExceeded(path: String, quota: Int64, consumed: Int64)
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
        case .accessDenied, .notOwner, .notSuperuser, .pathThroughFile, .accessControl: .accessControl
        case .leaseExpired, .notUnderConstruction: .leaseExpired
        case .alreadyBeingCreated: .alreadyBeingCreated
        case .illegalArgument: .illegalArgument
        case .hadoopIllegalArgument: .hadoopIllegalArgument
        case .unsupported: .unsupportedOperation
        case .tooManyItems: .maxDirectoryItemsExceeded
        case .pathIsNotDirectory: .pathIsNotDirectory
        case .namespaceQuotaExceeded: .nsQuotaExceeded
        case .storagespaceQuotaExceeded: .dsQuotaExceeded
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
        case .illegalArgument(let why), .hadoopIllegalArgument(let why), .accessControl(let why): why
        case .unsupported(let why): why
        case .tooManyItems(let path, let limit): "The directory item limit of \(path) is exceeded: limit=\(limit)"
        case .pathIsNotDirectory(let path): "`\(path)': Is not a directory"
        // HDFS's NSQuotaExceededException and DSQuotaExceededException messages, word for word.
        case .namespaceQuotaExceeded(let path, let quota, let count):
            "The NameSpace quota (directories and files) of directory \(path) is exceeded: quota=\(quota) file count=\(count)"
        case .storagespaceQuotaExceeded(let path, let quota, let consumed):
            "The DiskSpace quota of \(path) is exceeded: quota = \(quota) B = \(Self.binaryPrefixed(quota)) but diskspace consumed = \(consumed) B = \(Self.binaryPrefixed(consumed))"
        case .notFormatted: "the namespace is not formatted"
        case .io(let why): why
        }
    }
}

extension NamespaceRejection {
    /// A byte count as Hadoop's `TraditionalBinaryPrefix.long2String(n, "B", 2)` writes it:
    /// "512 B", "1 KB" for an exact multiple, "1.50 MB" otherwise.
    static func binaryPrefixed(_ value: Int64) -> String {
        let symbols = ["K", "M", "G", "T", "P", "E"]
        let sign = value < 0 ? "-" : ""
        let magnitude = value.magnitude
        guard magnitude >= 1024 else { return "\(sign)\(magnitude) B" }
        var exponent = 1
        while exponent < symbols.count && magnitude >> (10 * (exponent + 1)) > 0 { exponent += 1 }
        let shift = UInt64(10 * exponent)
        if magnitude & ((1 << shift) - 1) == 0 {
            return "\(sign)\(magnitude >> shift) \(symbols[exponent - 1])B"
        }
        var scaled = Double(magnitude) / Double(UInt64(1) << shift)
        var text = twoDecimals(scaled)
        // 1023.999 rounds to "1024.00": Hadoop moves up one prefix instead.
        if text.hasPrefix("1024"), exponent < symbols.count {
            exponent += 1
            scaled = Double(magnitude) / Double(UInt64(1) << UInt64(10 * exponent))
            text = twoDecimals(scaled)
        }
        return "\(sign)\(text) \(symbols[exponent - 1])B"
    }

    /// `%.2f` without Foundation: half-up rounding on the value times 100, as Java's formatter does.
    private static func twoDecimals(_ value: Double) -> String {
        let hundredths = UInt64((value * 100).rounded(.toNearestOrAwayFromZero))
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
