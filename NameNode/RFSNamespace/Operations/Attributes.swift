import RFSModel
import RFSProtocol

extension EditContext {
    /// The inode at `text`, or FileNotFoundException with HDFS's wording.
    func existing(_ text: String, checker: AccessChecker) throws -> (ResolvedPath, Rfs_Namenode_InodeRecord) {
        let resolved = try resolve(try parse(text), checker: checker)
        guard let inode = resolved.inode else { throw NamespaceRejection.fileNotFound("File does not exist: \(resolved.text)") }
        return (resolved, inode)
    }

    mutating func applySetPermission(_ op: Rfs_Namenode_SetPermission) throws -> EditReply {
        let checker = try access()
        var (resolved, inode) = try existing(op.path, checker: checker)
        try checker.checkOwner(inode, path: resolved.text)
        inode.permission = op.permission & 0o1777
        writer.put(inode)
        resolved.inodes[resolved.inodes.count - 1] = inode
        return .done
    }

    /// setOwner: only a superuser gives a file away; an owner may change the group to one
    /// they belong to.
    mutating func applySetOwner(_ op: Rfs_Namenode_SetOwner) throws -> EditReply {
        let checker = try access()
        var (resolved, inode) = try existing(op.path, checker: checker)
        try checker.checkOwner(inode, path: resolved.text)
        if checker.enabled && !checker.isSuperuser {
            if !op.owner.isEmpty && op.owner != inode.owner {
                throw NamespaceRejection.notSuperuser(user: checker.user, what: "change owner of \(resolved.text)")
            }
            if !op.group.isEmpty && !checker.groups.contains(op.group) {
                throw NamespaceRejection.accessDenied(user: checker.user, access: "change group to \(op.group)", inode: resolved.text)
            }
        }
        if !op.owner.isEmpty { inode.owner = op.owner }
        if !op.group.isEmpty { inode.group = op.group }
        writer.put(inode)
        resolved.inodes[resolved.inodes.count - 1] = inode
        return .done
    }

    /// setReplication: false for a directory or a missing path, as HDFS answers.
    mutating func applySetReplication(_ op: Rfs_Namenode_SetReplication) throws -> EditReply {
        let checker = try access()
        guard op.replication >= 1 && op.replication <= configuration.maxReplication else {
            throw NamespaceRejection.io(op.replication < 1
                ? "Requested replication factor of \(op.replication) is less than the required minimum of 1 for \(op.path)"
                : "Requested replication factor of \(op.replication) exceeds maximum of \(configuration.maxReplication) for \(op.path)")
        }
        let resolved = try resolve(try parse(op.path), checker: checker)
        guard var file = resolved.inode, file.kind == .inodeFile else { return .flag(false) }
        try checker.check(file, .write, path: resolved.text)
        if file.replication != op.replication {
            let before = file
            file.replication = op.replication
            writer.put(file)
            try chargeChange(from: before, to: file, along: Array(resolved.inodes.dropLast()))
            if !file.blocks.isEmpty {
                effects.append(.replicationChanged(blockIDs: file.blocks.map(\.id), replication: op.replication))
            }
        }
        return .flag(true)
    }

    /// setTimes: -1 leaves a time unchanged.
    mutating func applySetTimes(_ op: Rfs_Namenode_SetTimes) throws -> EditReply {
        let checker = try access()
        let resolved = try resolve(try parse(op.path), checker: checker)
        guard var inode = resolved.inode else { throw NamespaceRejection.fileNotFound("File/Directory \(resolved.text) does not exist.") }
        try checker.check(inode, .write, path: resolved.text)
        if op.modificationTimeMs >= 0 { inode.modificationTimeMs = UInt64(op.modificationTimeMs) }
        if op.accessTimeMs >= 0 { inode.accessTimeMs = UInt64(op.accessTimeMs) }
        writer.put(inode)
        return .done
    }

    /// Sets (or, with `StoragePolicy.unspecifiedID`, unsets) the policy of a file or directory,
    /// as HDFS's FSDirAttrOp: WRITE access on it; LAZY_PERSIST is chosen when a file is
    /// created (inherited from its directory), never set on or changed from an existing file.
    mutating func applySetStoragePolicy(_ op: Rfs_Namenode_SetStoragePolicy) throws -> EditReply {
        let checker = try access()
        var resolved = try resolve(try parse(op.path), checker: checker)
        guard var inode = resolved.inode else { throw NamespaceRejection.fileNotFound("File/Directory does not exist: \(resolved.text)") }
        try checker.check(inode, .write, path: resolved.text)
        if inode.kind == .inodeFile {
            if let policy = StoragePolicy.withID(op.policyID), op.policyID != StoragePolicy.unspecifiedID, policy.copyOnCreateFile {
                throw NamespaceRejection.hadoopIllegalArgument("Policy \(policy) cannot be set after file creation.")
            }
            if let current = StoragePolicy.withID(inode.storagePolicyID), inode.storagePolicyID != StoragePolicy.unspecifiedID,
               current.copyOnCreateFile {
                throw NamespaceRejection.hadoopIllegalArgument("Existing policy \(current.name) cannot be changed after file creation.")
            }
        }
        inode.storagePolicyID = op.policyID
        writer.put(inode)
        resolved.inodes[resolved.inodes.count - 1] = inode
        return .done
    }
}
