import RFSProtocol

/// What a caller wants to do with an inode, for `checkAccess`: any combination of read, write
/// and execute (HDFS's FsAction; `[]` is NONE, which only asks that the path be reachable).
public struct FsAction: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0o7 }

    public static let execute = FsAction(rawValue: 1)
    public static let write = FsAction(rawValue: 2)
    public static let read = FsAction(rawValue: 4)
    public static let all: FsAction = [.read, .write, .execute]

    /// `rwx`, `r--`, `-w-`…: the symbolic form WebHDFS's `fsaction` parameter takes; nil for
    /// anything else.
    public init?(symbolic text: String) {
        let characters = Array(text)
        guard characters.count == 3 else { return nil }
        var action: FsAction = []
        for (character, (letter, bit)) in zip(characters, [("r", FsAction.read), ("w", .write), ("x", .execute)]) {
            if character == Character(letter) {
                action.insert(bit)
            } else if character != "-" {
                return nil
            }
        }
        self = action
    }

    /// FsActionProto numbers its values by the same bits (NONE 0 … PERM_ALL 7).
    var proto: Hadoop_Hdfs_AclEntryProto.FsActionProto {
        Hadoop_Hdfs_AclEntryProto.FsActionProto(rawValue: Int(rawValue)) ?? .none
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
