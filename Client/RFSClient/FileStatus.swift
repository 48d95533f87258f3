import Foundation
import RFSProtocol

/// What kind of inode a status describes.
public enum FileType: Sendable, Hashable {
    case file
    case directory
    case symlink
}

/// One inode's status, with HDFS's fields (`HdfsFileStatus`). Times are milliseconds since
/// the epoch, as on the wire.
public struct FileStatus: Sendable, Hashable {
    /// The absolute path (`/a/b`), without scheme or authority.
    public var path: String
    public var type: FileType
    public var length: Int64
    public var permission: FsPermission
    public var owner: String
    public var group: String
    public var modificationTimeMs: Int64
    public var accessTimeMs: Int64
    /// Replicas per block for a file; 0 for a directory.
    public var replication: Int
    public var blockSizeBytes: Int64
    /// The target of a symlink.
    public var symlinkTarget: String?
    public var fileID: UInt64
    /// Entries in a directory, when the namenode says (-1 when it does not).
    public var childrenCount: Int
    /// Whether the inode carries an ACL (the `+` after the permission in `-ls`).
    public var hasACL: Bool
    /// The storage policy id the namenode reports (0: none set, HDFS's "unspecified").
    public var storagePolicyID: UInt8

    public var isDirectory: Bool { type == .directory }
    public var isFile: Bool { type == .file }
    public var isSymlink: Bool { type == .symlink }

    /// The last component of `path` (`""` for the root).
    public var name: String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public init(path: String, type: FileType, length: Int64 = 0, permission: FsPermission, owner: String, group: String,
                modificationTimeMs: Int64 = 0, accessTimeMs: Int64 = 0, replication: Int = 0, blockSizeBytes: Int64 = 0,
                symlinkTarget: String? = nil, fileID: UInt64 = 0, childrenCount: Int = -1, hasACL: Bool = false,
                storagePolicyID: UInt8 = 0) {
        self.path = path
        self.type = type
        self.length = length
        self.permission = permission
        self.owner = owner
        self.group = group
        self.modificationTimeMs = modificationTimeMs
        self.accessTimeMs = accessTimeMs
        self.replication = replication
        self.blockSizeBytes = blockSizeBytes
        self.symlinkTarget = symlinkTarget
        self.fileID = fileID
        self.childrenCount = childrenCount
        self.hasACL = hasACL
        self.storagePolicyID = storagePolicyID
    }
}

extension FileStatus {
    /// A status from the wire. `path` is the full path the caller asked about: getFileInfo
    /// replies carry an empty name, listings carry the child's name only.
    init(_ proto: Hadoop_Hdfs_HdfsFileStatusProto, path: String) {
        let type: FileType = switch proto.fileType {
        case .isDir: .directory
        case .isSymlink: .symlink
        case .isFile: .file
        }
        self.init(
            path: path, type: type, length: Int64(clamping: proto.length),
            permission: FsPermission(mode: UInt16(truncatingIfNeeded: proto.permission.perm)),
            owner: proto.owner, group: proto.group,
            modificationTimeMs: Int64(bitPattern: proto.modificationTime), accessTimeMs: Int64(bitPattern: proto.accessTime),
            replication: Int(proto.blockReplication), blockSizeBytes: Int64(clamping: proto.blocksize),
            symlinkTarget: proto.hasSymlink ? String(decoding: proto.symlink, as: UTF8.self) : nil,
            fileID: proto.fileID, childrenCount: proto.hasChildrenNum ? Int(proto.childrenNum) : -1,
            hasACL: proto.flags & UInt32(Hadoop_Hdfs_HdfsFileStatusProto.Flags.hasAcl.rawValue) != 0,
            storagePolicyID: UInt8(truncatingIfNeeded: proto.storagePolicy))
    }
}
