import RFSModel
import RFSProtocol

/// Extended attributes, as HDFS's FSDirXAttrOp and XAttrPermissionFilter define them.
///
/// Names live in namespaces: `user.` (anyone, by the inode's permissions), `trusted.` (the
/// superuser only), `security.` (only `security.hdfs.unreadable.by.superuser`, without a value,
/// on files), `raw.` (only through /.reserved/raw paths, which rfs does not serve) and `system.`
/// (never through the API). Values are opaque bytes; an inode keeps its attributes most recently
/// set first, and a name with its value takes at most `maxXAttrSize` bytes.
enum XAttrRules {
    static let unreadableBySuperuser = "security.hdfs.unreadable.by.superuser"

    static func prefixedName(_ xattr: Rfs_Namenode_XAttrRecord) -> String {
        (XAttrNamespace(rawValue: xattr.namespace)?.prefix ?? "\(xattr.namespace)") + "." + xattr.name
    }

    static func sameName(_ a: Rfs_Namenode_XAttrRecord, _ b: Rfs_Namenode_XAttrRecord) -> Bool {
        a.namespace == b.namespace && a.name == b.name
    }

    /// XAttrPermissionFilter.checkPermissionForApi: may this caller name the attribute at all?
    static func checkNamed(_ xattr: Rfs_Namenode_XAttrRecord, superuser: Bool) throws {
        let namespace = XAttrNamespace(rawValue: xattr.namespace)
        if namespace == .user || (namespace == .trusted && superuser) { return }
        if prefixedName(xattr) == unreadableBySuperuser {
            guard xattr.value.isEmpty else {
                throw NamespaceRejection.accessControl("Attempt to set a value for '\(unreadableBySuperuser)'. Values are not allowed for this xattr.")
            }
            return
        }
        throw NamespaceRejection.accessControl("User doesn't have permission for xattr: \(prefixedName(xattr))")
    }

    /// XAttrPermissionFilter.filterXAttrsForApi: the attributes this caller may see.
    static func visible(_ xattrs: [Rfs_Namenode_XAttrRecord], superuser: Bool) -> [Rfs_Namenode_XAttrRecord] {
        xattrs.filter { xattr in
            let namespace = XAttrNamespace(rawValue: xattr.namespace)
            return namespace == .user || (namespace == .trusted && superuser) || prefixedName(xattr) == unreadableBySuperuser
        }
    }

    /// Changing a `user.` attribute takes WRITE on the inode, or, on a sticky directory,
    /// owning it (FSDirXAttrOp.checkXAttrChangeAccess); the other namespaces were settled by
    /// `checkNamed`.
    static func checkChange(_ xattr: Rfs_Namenode_XAttrRecord, on inode: Rfs_Namenode_InodeRecord, path: String, checker: AccessChecker) throws {
        guard XAttrNamespace(rawValue: xattr.namespace) == .user else { return }
        if inode.kind == .inodeDirectory && inode.permission & 0o1000 != 0 {
            if !checker.isSuperuser { try checker.checkOwner(inode, path: path) }
        } else {
            try checker.check(inode, .write, path: path)
        }
    }
}

extension EditContext {
    /// The inode an extended-attribute operation works on (FSDirectory.resolveLastINode's words).
    private func xattrTarget(_ text: String, checker: AccessChecker) throws -> (ResolvedPath, Rfs_Namenode_InodeRecord) {
        let resolved = try resolve(try parse(text), checker: checker)
        guard let inode = resolved.inode else { throw NamespaceRejection.fileNotFound("cannot find \(resolved.text)") }
        return (resolved, inode)
    }

    mutating func applySetXAttr(_ op: Rfs_Namenode_SetXAttr) throws -> EditReply {
        let xattr = op.xattr
        // The proposer's limits when it sent them: every member applies the edit alike.
        let maxSize = op.hasMaxSize ? Int(op.maxSize) : configuration.maxXAttrSize
        let maxPerInode = op.hasMaxPerInode ? Int(op.maxPerInode) : configuration.maxXAttrsPerInode
        let size = xattr.name.utf8.count + xattr.value.count
        guard size <= maxSize else {
            throw NamespaceRejection.hadoopIllegalArgument(
                "The XAttr is too big. The maximum combined size of the name and value is \(maxSize), but the total size is \(size)")
        }
        let checker = try access()
        try XAttrRules.checkNamed(xattr, superuser: checker.isSuperuser)
        var (resolved, inode) = try xattrTarget(op.path, checker: checker)
        try XAttrRules.checkChange(xattr, on: inode, path: resolved.text, checker: checker)
        // XAttrSetFlag.validate: CREATE for a new name, REPLACE for an existing one.
        guard op.flags & 3 != 0 else { throw NamespaceRejection.hadoopIllegalArgument("A flag must be specified.") }
        let exists = inode.xattrs.contains { XAttrRules.sameName($0, xattr) }
        if exists && op.flags & 2 == 0 {
            throw NamespaceRejection.io("XAttr: \(xattr.name) already exists. The REPLACE flag must be specified.")
        }
        if !exists && op.flags & 1 == 0 {
            throw NamespaceRejection.io("XAttr: \(xattr.name) does not exist. The CREATE flag must be specified.")
        }
        let updated = [xattr] + inode.xattrs.filter { !XAttrRules.sameName($0, xattr) }
        let userVisible = updated.count { [XAttrNamespace.user.rawValue, XAttrNamespace.trusted.rawValue].contains($0.namespace) }
        guard userVisible <= maxPerInode else {
            throw NamespaceRejection.io("Cannot add additional XAttr to inode, would exceed limit of \(maxPerInode)")
        }
        if inode.kind != .inodeFile && XAttrRules.prefixedName(xattr) == XAttrRules.unreadableBySuperuser {
            throw NamespaceRejection.io("Can only set '\(XAttrRules.unreadableBySuperuser)' on a file.")
        }
        inode.xattrs = updated
        writer.put(inode)
        resolved.inodes[resolved.inodes.count - 1] = inode
        return .done
    }

    mutating func applyRemoveXAttr(_ op: Rfs_Namenode_RemoveXAttr) throws -> EditReply {
        let xattr = op.xattr
        let checker = try access()
        try XAttrRules.checkNamed(xattr, superuser: checker.isSuperuser)
        var (resolved, inode) = try xattrTarget(op.path, checker: checker)
        try XAttrRules.checkChange(xattr, on: inode, path: resolved.text, checker: checker)
        if XAttrRules.prefixedName(xattr) == XAttrRules.unreadableBySuperuser && !inode.xattrs.isEmpty {
            throw NamespaceRejection.accessControl("The xattr '\(XAttrRules.unreadableBySuperuser)' can not be deleted.")
        }
        let kept = inode.xattrs.filter { !XAttrRules.sameName($0, xattr) }
        guard kept.count < inode.xattrs.count else { throw NamespaceRejection.io("No matching attributes found for remove operation") }
        inode.xattrs = kept
        writer.put(inode)
        resolved.inodes[resolved.inodes.count - 1] = inode
        return .done
    }
}

extension NamespaceReads {
    /// getXAttrs: every attribute the caller may see (`names` empty), or exactly the ones
    /// named, each of which must exist. READ access on the inode.
    public func xattrs(_ path: String, names: [Rfs_Namenode_XAttrRecord], caller: Caller) throws -> [Rfs_Namenode_XAttrRecord] {
        let checker = try checker(for: caller)
        for name in names { try XAttrRules.checkNamed(name, superuser: checker.isSuperuser) }
        let visible = try readableXAttrs(path, checker: checker)
        if names.isEmpty { return visible }
        return try names.map { name in
            guard let found = visible.first(where: { XAttrRules.sameName($0, name) }) else {
                throw NamespaceRejection.io("At least one of the attributes provided was not found.")
            }
            return found
        }
    }

    /// listXAttrs: the names (without values) of the attributes the caller may see.
    public func xattrNames(_ path: String, caller: Caller) throws -> [Rfs_Namenode_XAttrRecord] {
        try readableXAttrs(path, checker: checker(for: caller)).map { xattr in
            var named = xattr
            named.value = .init()
            return named
        }
    }

    private func readableXAttrs(_ path: String, checker: AccessChecker) throws -> [Rfs_Namenode_XAttrRecord] {
        let resolved = try resolve(path, checker: checker)
        guard let inode = resolved.inode else { throw NamespaceRejection.fileNotFound("cannot find \(resolved.text)") }
        try checker.check(inode, .read, path: resolved.text)
        return XAttrRules.visible(inode.xattrs, superuser: checker.isSuperuser)
    }
}
