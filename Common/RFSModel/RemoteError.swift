/// The Hadoop RPC error codes (RpcErrorCodeProto), mirrored here so pure modules can name
/// them without depending on the generated protobuf code.
public enum RPCErrorCode: Int, Sendable {
    // Non-fatal: the connection stays open.
    case applicationError = 1
    case noSuchMethod = 2
    case noSuchProtocol = 3
    case serverError = 4
    case noSuchVersion = 5
    case serverHalted = 6
    // Fatal: the server closes the connection after replying.
    case fatalUnknown = 10
    case fatalUnsupportedSerialization = 11
    case fatalInvalidRPCHeader = 12
    case fatalDeserializingRequest = 13
    case fatalVersionMismatch = 14
    case fatalUnauthorized = 15

    public var isFatal: Bool { rawValue >= 10 }
}

/// An error that travels to a Hadoop client as a RemoteException: its Java class name (so
/// the client maps it to its own exception type and, for StandbyException, fails over) and
/// a message for the user. Anything a handler throws that is not a `RemoteError` is sent as
/// `java.io.IOException` with its description.
public protocol RemoteError: Error {
    /// Fully qualified Java class name, e.g. `java.io.FileNotFoundException`.
    var exceptionClassName: String { get }
    /// The message users see, with the path or id it concerns.
    var errorMessage: String { get }
    var errorCode: RPCErrorCode { get }
}

extension RemoteError {
    public var errorCode: RPCErrorCode { .applicationError }
}

/// The Hadoop exceptions rfs raises, by their Java class names. Keep this the one table:
/// libhdfs maps the same cases to errno values.
public enum HadoopException: String, Sendable, CaseIterable {
    case ioException = "java.io.IOException"
    case fileNotFound = "java.io.FileNotFoundException"
    case fileAlreadyExists = "org.apache.hadoop.fs.FileAlreadyExistsException"
    case parentNotDirectory = "org.apache.hadoop.fs.ParentNotDirectoryException"
    case pathIsNotEmptyDirectory = "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException"
    case pathIsNotDirectory = "org.apache.hadoop.fs.PathIsNotDirectoryException"
    case accessControl = "org.apache.hadoop.security.AccessControlException"
    case authorization = "org.apache.hadoop.security.authorize.AuthorizationException"
    case safeMode = "org.apache.hadoop.hdfs.server.namenode.SafeModeException"
    case invalidPath = "org.apache.hadoop.fs.InvalidPathException"
    case pathComponentTooLong = "org.apache.hadoop.hdfs.protocol.FSLimitException$PathComponentTooLongException"
    case maxDirectoryItemsExceeded = "org.apache.hadoop.hdfs.protocol.FSLimitException$MaxDirectoryItemsExceededException"
    case quotaExceeded = "org.apache.hadoop.hdfs.protocol.QuotaExceededException"
    case nsQuotaExceeded = "org.apache.hadoop.hdfs.protocol.NSQuotaExceededException"
    case dsQuotaExceeded = "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException"
    case leaseExpired = "org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException"
    case alreadyBeingCreated = "org.apache.hadoop.hdfs.protocol.AlreadyBeingCreatedException"
    case recoveryInProgress = "org.apache.hadoop.hdfs.protocol.RecoveryInProgressException"
    case notReplicatedYet = "org.apache.hadoop.hdfs.server.namenode.NotReplicatedYetException"
    case illegalArgument = "java.lang.IllegalArgumentException"
    case hadoopIllegalArgument = "org.apache.hadoop.HadoopIllegalArgumentException"
    case acl = "org.apache.hadoop.hdfs.protocol.AclException"
    case unsupportedOperation = "java.lang.UnsupportedOperationException"
    /// A namenode feature switched off by its administrator (the storage policy satisfier).
    case unsupportedAction = "org.apache.hadoop.hdfs.server.namenode.UnsupportedActionException"
    case unresolvedLink = "org.apache.hadoop.fs.UnresolvedLinkException"
    case standby = "org.apache.hadoop.ipc.StandbyException"
    case retriable = "org.apache.hadoop.ipc.RetriableException"
    case noSuchMethod = "org.apache.hadoop.ipc.RpcNoSuchMethodException"
    case noSuchProtocol = "org.apache.hadoop.ipc.RpcNoSuchProtocolException"
    case rpcServer = "org.apache.hadoop.ipc.RpcServerException"
    case fatalRPC = "org.apache.hadoop.ipc.IpcException"
    case invalidToken = "org.apache.hadoop.security.token.SecretManager$InvalidToken"
    case snapshotAccessControl = "org.apache.hadoop.hdfs.protocol.SnapshotAccessControlException"
    case eof = "java.io.EOFException"
    case blockMissing = "org.apache.hadoop.hdfs.BlockMissingException"
    /// A datanode has no replica of the block asked for (ClientDatanodeProtocol,
    /// DataTransferProtocol); readers treat it as "this node never got the block".
    case replicaNotFound = "org.apache.hadoop.hdfs.server.datanode.ReplicaNotFoundException"
}

/// A `RemoteError` built from the table above and a message.
public struct HadoopRemoteError: RemoteError, Equatable, CustomStringConvertible {
    public let exception: HadoopException
    public let errorMessage: String
    public let errorCode: RPCErrorCode

    public init(_ exception: HadoopException, _ message: String, code: RPCErrorCode = .applicationError) {
        self.exception = exception
        self.errorMessage = message
        self.errorCode = code
    }

    public var exceptionClassName: String { exception.rawValue }
    public var description: String { "\(exception.rawValue): \(errorMessage)" }
}
