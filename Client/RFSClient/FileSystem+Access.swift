import RFSProtocol

/// What a caller wants to do with an inode, for `checkAccess`.
public enum FsAction: Sendable, Hashable {
    case read, write, execute

    var proto: Hadoop_Hdfs_AclEntryProto.FsActionProto {
        switch self {
        case .read: .read
        case .write: .write
        case .execute: .execute
        }
    }
}

extension FileSystem {
    /// Asks the namenode whether the user may `action` on `path` (HDFS's `access`); throws
    /// AccessControlException when not, FileNotFoundException when nothing is there.
    public func checkAccess(_ path: String, _ action: FsAction) async throws {
        var request = Hadoop_Hdfs_CheckAccessRequestProto()
        request.path = try resolve(path)
        request.mode = action.proto
        _ = try await call("checkAccess", request, returning: Hadoop_Hdfs_CheckAccessResponseProto.self, idempotent: true)
    }
}
