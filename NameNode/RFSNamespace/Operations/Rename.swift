import RFSProtocol

import struct Foundation.Data

extension EditContext {
    /// rename and rename2. The legacy call moves into an existing destination directory and
    /// answers false rather than raising for the ordinary failures (missing source, existing
    /// destination, missing destination parent); rename2 raises HDFS's exceptions and, with
    /// `overwrite`, replaces a destination of the same kind (an empty one, for a directory).
    mutating func applyRename(_ op: Rfs_Namenode_Rename) throws -> EditReply {
        if op.legacy {
            do {
                try rename(op)
                return .flag(true)
            } catch let rejection as NamespaceRejection {
                switch rejection {
                case .fileNotFound, .fileAlreadyExists, .parentNotDirectory, .io, .isADirectory, .directoryNotEmpty:
                    return .flag(false)
                default:
                    throw rejection
                }
            }
        }
        try rename(op)
        return .done
    }

    private mutating func rename(_ op: Rfs_Namenode_Rename) throws {
        let checker = try access()
        let sourcePath = try parse(op.source)
        var destinationPath = try parse(op.destination)
        let sourceResolved = try resolve(sourcePath, checker: checker)
        guard let source = sourceResolved.inode else {
            throw NamespaceRejection.fileNotFound("File does not exist: \(sourcePath)")
        }
        guard !sourcePath.isRoot else { throw NamespaceRejection.io("Rename source cannot be the root") }
        var destinationResolved = try resolve(destinationPath, checker: checker, creating: true)
        // The old rename moves into an existing directory.
        if op.legacy, let directory = destinationResolved.inode, directory.kind == .inodeDirectory, destinationPath != sourcePath {
            destinationPath = destinationPath.appending(sourcePath.name)
            destinationResolved = try resolve(destinationPath, checker: checker, creating: true)
        }
        if destinationPath == sourcePath {
            if op.legacy { return }
            throw NamespaceRejection.fileAlreadyExists("The source \(sourcePath) and destination \(destinationPath) are the same")
        }
        if destinationPath.isWithin(sourcePath) {
            throw NamespaceRejection.io("Rename destination \(destinationPath) is a directory or file under source \(sourcePath)")
        }
        if destinationPath.isRoot { throw NamespaceRejection.fileAlreadyExists("rename destination cannot be the root") }
        guard destinationResolved.inodes.count >= destinationPath.components.count else {
            throw NamespaceRejection.fileNotFound("rename destination parent \(destinationPath) not found.")
        }
        var sourceParent = sourceResolved.parent!
        try checker.check(sourceParent, .write, path: sourcePath.parent.description)
        try checker.checkSticky(parent: sourceParent, child: source, path: sourcePath.description)
        let destinationParentInode = destinationResolved.inodes[destinationPath.components.count - 1]
        guard destinationParentInode.kind == .inodeDirectory else {
            throw NamespaceRejection.parentNotDirectory("rename destination parent \(destinationPath) is a file.")
        }
        try checker.check(destinationParentInode, .write, path: destinationPath.parent.description)

        if let existing = destinationResolved.inode {
            guard op.overwrite else {
                throw NamespaceRejection.fileAlreadyExists("rename destination \(destinationPath) already exists")
            }
            if existing.kind != source.kind {
                throw NamespaceRejection.io(existing.kind == .inodeDirectory
                    ? "Source \(sourcePath) is a file but destination \(destinationPath) is a directory"
                    : "Source \(sourcePath) is a directory but destination \(destinationPath) is a file")
            }
            if existing.kind == .inodeDirectory && existing.childCount > 0 {
                throw NamespaceRejection.io("rename destination directory is not empty: \(destinationPath)")
            }
            try checker.checkSticky(parent: destinationParentInode, child: existing, path: destinationPath.description)
            var parent = destinationParentInode
            unlink(existing, from: &parent)
            let removed = try removeSubtree(existing)
            try charge(-removed, along: Array(destinationResolved.inodes.prefix(destinationPath.components.count)))
        }
        // Re-read parents: unlinking above may have changed them (same directory, say).
        sourceParent = try records.inode(sourceParent.id)!
        unlink(source, from: &sourceParent)
        var destinationParent = try records.inode(destinationParentInode.id)!
        var moved = try records.inode(source.id)!
        moved.name = Data(destinationPath.name)
        try link(&moved, under: &destinationParent, parentPath: destinationPath.parent.description)
        try chargeMove(of: source, from: Array(sourceResolved.inodes.dropLast()),
                       to: Array(destinationResolved.inodes.prefix(destinationPath.components.count)))
    }

    /// Moves what `source` uses from the quotas above its old place to those above its new
    /// one. Ancestors the two places share keep their usage and are not checked, as in HDFS's
    /// verifyQuotaForRename; the subtree is counted only when a quota lies off that shared path.
    private func chargeMove(of source: Rfs_Namenode_InodeRecord, from sourceChain: [Rfs_Namenode_InodeRecord],
                            to destinationChain: [Rfs_Namenode_InodeRecord]) throws {
        var shared = 0
        while shared < min(sourceChain.count, destinationChain.count) && sourceChain[shared].id == destinationChain[shared].id {
            shared += 1
        }
        let quotaOffPath = sourceChain.dropFirst(shared).contains(where: \.withQuota)
            || destinationChain.dropFirst(shared).contains(where: \.withQuota)
        guard quotaOffPath else { return }
        let usage = try usage(ofSubtree: try records.inode(source.id) ?? source)
        try charge(usage, along: destinationChain, from: shared)
        try charge(-usage, along: sourceChain, from: shared)
    }
}
