import RFSConfig
import RFSModel
import RFSProtocol

/// One entry of an ACL spec, as Hadoop's AclEntry.parseAclEntry reads it:
/// `[default:]user|group|mask|other:[name][:perm]` (the permission only where one is expected).
public struct AclEntry: Sendable, Equatable {
    public enum Scope: Int, Sendable { case access = 0, `default` = 1 }
    public enum Kind: String, Sendable, CaseIterable { case user = "USER", group = "GROUP", mask = "MASK", other = "OTHER" }

    public var scope: Scope
    public var kind: Kind
    public var name: String?
    /// rwx bits; nil when the spec carries none (-setfacl -x).
    public var permission: UInt8?

    /// AclEntry.parseAclSpec: comma-separated entries, empty ones skipped.
    public static func parseSpec(_ spec: String, includePermission: Bool) throws(FileSystemError) -> [AclEntry] {
        try spec.split(separator: ",", omittingEmptySubsequences: true).map { entry throws(FileSystemError) in
            // Hadoop's getStringCollection trims each piece.
            try parse(entry.trimmingWhitespace(), includePermission: includePermission)
        }
    }

    static func parse(_ text: String, includePermission: Bool) throws(FileSystemError) -> AclEntry {
        // Java's String.split drops trailing empty strings: "user:bob:" has two parts.
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        while parts.count > 1, parts.last == "" { parts.removeLast() }
        var index = 0
        var scope = Scope.access
        if parts.first == "default" {
            scope = .default
            index += 1
        }
        guard parts.count > index else { throw .illegalArgument("Invalid <aclSpec> : \(text)") }
        guard let kind = Kind(rawValue: parts[index].uppercased()) else { throw .illegalArgument("Invalid type of acl in <aclSpec> :\(text)") }
        index += 1
        var name: String?
        if parts.count > index {
            if !parts[index].isEmpty { name = parts[index] }
            index += 1
        }
        var permission: UInt8?
        if includePermission {
            guard parts.count > index else { throw .illegalArgument("Invalid <aclSpec> : \(text)") }
            guard let bits = FsPermission.actionBits(parts[index]) else { throw .illegalArgument("Invalid permission in <aclSpec> : \(text)") }
            permission = bits
            index += 1
        }
        guard parts.count <= index else { throw .illegalArgument("Invalid <aclSpec> : \(text)") }
        return AclEntry(scope: scope, kind: kind, name: name, permission: permission)
    }

    var proto: Hadoop_Hdfs_AclEntryProto {
        var proto = Hadoop_Hdfs_AclEntryProto()
        proto.scope = scope == .access ? .access : .default
        proto.type = Hadoop_Hdfs_AclEntryProto.AclEntryTypeProto(rawValue: Kind.allCases.firstIndex(of: kind) ?? 0) ?? .user
        proto.permissions = Hadoop_Hdfs_AclEntryProto.FsActionProto(rawValue: Int(permission ?? 0)) ?? .none
        if let name { proto.name = name }
        return proto
    }
}

/// The ACL calls of ClientProtocol (modifyAclEntries, removeAclEntries, removeDefaultAcl,
/// removeAcl, setAcl), as DistributedFileSystem makes them. rfs's namenode keeps no ACL
/// entries and refuses these, as HDFS does with dfs.namenode.acls.enabled off.
extension FileSystem {
    public enum AclChange: Sendable {
        case modify([AclEntry]), remove([AclEntry]), removeDefault, removeAll, set([AclEntry])
    }

    public func changeAcl(_ path: String, _ change: AclChange) async throws {
        let src = try resolve(path)
        switch change {
        case .modify(let entries):
            var request = Hadoop_Hdfs_ModifyAclEntriesRequestProto()
            request.src = src
            request.aclSpec = entries.map(\.proto)
            _ = try await call("modifyAclEntries", request, returning: Hadoop_Hdfs_ModifyAclEntriesResponseProto.self, idempotent: true)
        case .remove(let entries):
            var request = Hadoop_Hdfs_RemoveAclEntriesRequestProto()
            request.src = src
            request.aclSpec = entries.map(\.proto)
            _ = try await call("removeAclEntries", request, returning: Hadoop_Hdfs_RemoveAclEntriesResponseProto.self, idempotent: true)
        case .removeDefault:
            var request = Hadoop_Hdfs_RemoveDefaultAclRequestProto()
            request.src = src
            _ = try await call("removeDefaultAcl", request, returning: Hadoop_Hdfs_RemoveDefaultAclResponseProto.self, idempotent: true)
        case .removeAll:
            var request = Hadoop_Hdfs_RemoveAclRequestProto()
            request.src = src
            _ = try await call("removeAcl", request, returning: Hadoop_Hdfs_RemoveAclResponseProto.self, idempotent: true)
        case .set(let entries):
            var request = Hadoop_Hdfs_SetAclRequestProto()
            request.src = src
            request.aclSpec = entries.map(\.proto)
            _ = try await call("setAcl", request, returning: Hadoop_Hdfs_SetAclResponseProto.self, idempotent: true)
        }
    }
}
