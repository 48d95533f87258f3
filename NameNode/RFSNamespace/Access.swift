import RFSProtocol

/// Permission bits, as POSIX and HDFS lay them out.
public struct AccessBits: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let execute = AccessBits(rawValue: 1)
    public static let write = AccessBits(rawValue: 2)
    public static let read = AccessBits(rawValue: 4)
    public static let all: AccessBits = [.read, .write, .execute]

    /// HDFS's FsAction names, which appear in AccessControlException messages.
    public var description: String {
        switch rawValue {
        case 0: "NONE"
        case 1: "EXECUTE"
        case 2: "WRITE"
        case 3: "WRITE_EXECUTE"
        case 4: "READ"
        case 5: "READ_EXECUTE"
        case 6: "READ_WRITE"
        default: "ALL"
        }
    }
}

/// Who is asking, and the rules they are checked by: owner/group/other bits on every path
/// component, a superuser (the user who formatted the namespace) and a supergroup whose
/// members are superusers too, as in HDFS.
struct AccessChecker {
    let user: String
    let groups: Set<String>
    let superuser: String
    let superGroup: String
    let enabled: Bool

    var isSuperuser: Bool { user == superuser || groups.contains(superGroup) }

    func allows(_ inode: Rfs_Namenode_InodeRecord, _ access: AccessBits) -> Bool {
        if !enabled || isSuperuser { return true }
        let mode = inode.permission
        let granted: UInt32
        if inode.owner == user {
            granted = (mode >> 6) & 7
        } else if groups.contains(inode.group) {
            granted = (mode >> 3) & 7
        } else {
            granted = mode & 7
        }
        return granted & access.rawValue == access.rawValue
    }

    /// `path` is only spelled out when access is denied: callers pass it unevaluated.
    func check(_ inode: Rfs_Namenode_InodeRecord, _ access: AccessBits, path: @autoclosure () -> String) throws(NamespaceRejection) {
        guard allows(inode, access) else {
            throw .accessDenied(user: user, access: "\(access)", inode: "\(path())\":\(inode.owner):\(inode.group):\(Self.symbolic(inode))")
        }
    }

    /// The sticky bit on `parent` lets only the owner of `child`, of `parent`, or a superuser
    /// remove or rename `child`.
    func checkSticky(parent: Rfs_Namenode_InodeRecord, child: Rfs_Namenode_InodeRecord, path: String) throws(NamespaceRejection) {
        guard enabled, !isSuperuser, parent.permission & 0o1000 != 0 else { return }
        guard child.owner == user || parent.owner == user else {
            throw .accessDenied(user: user, access: "WRITE", inode: "\(path)\":\(child.owner):\(child.group):\(Self.symbolic(child))")
        }
    }

    func checkOwner(_ inode: Rfs_Namenode_InodeRecord, path: String) throws(NamespaceRejection) {
        guard !enabled || isSuperuser || inode.owner == user else { throw .notOwner(user: user, path: path) }
    }

    /// `drwxr-xr-x` / `-rw-r--r--`, with `t`/`T` for the sticky bit.
    static func symbolic(_ inode: Rfs_Namenode_InodeRecord) -> String {
        let mode = inode.permission
        var text = inode.kind == .inodeDirectory ? "d" : "-"
        for shift in [6, 3, 0] as [UInt32] {
            let bits = (mode >> shift) & 7
            text += bits & 4 != 0 ? "r" : "-"
            text += bits & 2 != 0 ? "w" : "-"
            text += bits & 1 != 0 ? "x" : "-"
        }
        if mode & 0o1000 != 0 {
            let last = text.removeLast()
            text.append(last == "x" ? "t" : "T")
        }
        return text
    }
}
