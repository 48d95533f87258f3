import RFSModel
import RFSProtocol

import struct Foundation.Data

extension EditContext {
    /// create: a new file held open by `client_name`. Missing parents are created with
    /// `create_parent`; an existing file is replaced with `overwrite` unless it is being written.
    mutating func applyCreate(_ op: Rfs_Namenode_Create) throws -> EditReply {
        let checker = try access()
        let path = try parse(op.path)
        guard op.replication >= 1 && op.replication <= configuration.maxReplication else {
            throw NamespaceRejection.io(op.replication < 1
                ? "Requested replication factor of \(op.replication) is less than the required minimum of 1 for \(path)"
                : "Requested replication factor of \(op.replication) exceeds maximum of \(configuration.maxReplication) for \(path)")
        }
        guard op.blockSizeBytes >= configuration.minBlockSizeBytes else {
            throw NamespaceRejection.io("Specified block size is less than configured minimum value (dfs.namenode.fs-limits.min-block-size): \(op.blockSizeBytes) < \(configuration.minBlockSizeBytes)")
        }
        guard !path.isRoot else { throw NamespaceRejection.fileAlreadyExists("/ already exists as a directory") }
        let resolved = try resolve(path, checker: checker, creating: true)
        // The directories above the new file that exist now; any created below are new and
        // have no quota, so these are all the quotas the file can be charged to.
        let chain = Array(resolved.inodes.prefix(path.components.count))
        if let existing = resolved.inode {
            guard existing.kind == .inodeFile else { throw NamespaceRejection.isADirectory(path.description) }
            // Overwrite replaces even a file another client is writing (its lease goes with
            // it), as HDFS's startFile does; without overwrite a writer's file is "being created".
            if !op.overwrite && existing.hasUnderConstruction {
                throw NamespaceRejection.alreadyBeingCreated(
                    "failed to create file \(path) for \(op.clientName) on \(op.clientMachine) because this file lease is currently owned by \(existing.underConstruction.clientName) on \(existing.underConstruction.clientMachine)")
            }
            guard op.overwrite else { throw NamespaceRejection.fileAlreadyExists("\(path) for client \(op.clientMachine) already exists") }
            var parent = resolved.parent!
            try checker.check(parent, .write, path: path.parent.description)
            try checker.checkSticky(parent: parent, child: existing, path: path.description)
            unlink(existing, from: &parent)
            try charge(-(try removeSubtree(existing)), along: chain)
        } else if resolved.inodes.count < path.components.count {
            guard op.createParent else { throw NamespaceRejection.fileNotFound("Parent directory doesn't exist: \(path.parent)") }
            var mkdirs = Rfs_Namenode_Mkdirs()
            mkdirs.path = path.parent.description
            // The missing parents inherit the deepest existing ancestor's permission plus u+wx,
            // without its sticky bit, as HDFS's createAncestorDirectories gives them. Edits from
            // before carry 0777 & ~umask instead, and replay as they were applied.
            mkdirs.permission = op.inheritParentPermission
                ? (resolved.inodes.last!.permission & 0o777) | 0o300
                : 0o777 & ~op.umask
            mkdirs.createParent = true
            _ = try applyMkdirs(mkdirs)
        }
        // The parent as it is now: freshly created parents need a walk; otherwise it was
        // resolved above and only its record may have changed (an overwritten file unlinked).
        let parentNow: Rfs_Namenode_InodeRecord?
        if resolved.inodes.count >= path.components.count {
            parentNow = try records.inode(resolved.inodes[path.components.count - 1].id)
        } else {
            parentNow = try resolve(path.parent, checker: checker, creating: true).inode
        }
        guard var parent = parentNow, parent.kind == .inodeDirectory else {
            throw NamespaceRejection.parentNotDirectory("\(path.parent) (is not a directory)")
        }
        try checker.check(parent, .write, path: path.parent.description)
        var file = Rfs_Namenode_InodeRecord()
        file.id = try nextInodeID()
        file.name = Data(path.name)
        file.kind = .inodeFile
        file.owner = edit.caller.user
        file.permission = op.permission & 0o777
        file.modificationTimeMs = now
        file.accessTimeMs = now
        file.replication = op.replication
        file.blockSizeBytes = op.blockSizeBytes
        file.underConstruction.clientName = op.clientName
        file.underConstruction.clientMachine = op.clientMachine
        // HDFS's setNewINodeStoragePolicy: a copy-on-create policy the file inherits
        // (LAZY_PERSIST) is set on the file itself, which keeps it from then on.
        let inherited = NamespaceReads.effectiveStoragePolicy(along: chain)
        if StoragePolicy.withID(inherited)?.copyOnCreateFile == true { file.storagePolicyID = inherited }
        try link(&file, under: &parent, parentPath: path.parent.description)
        try charge(QuotaDelta(namespace: 1), along: chain)
        effects.append(.leaseOpened(fileID: file.id, holder: op.clientName))
        return .inode(file)
    }

    /// addBlock: commits the previous block at its final length and appends a new one whose
    /// id and generation stamp the proposer chose. A retry (the new block already added for
    /// the same previous block) returns the existing block.
    mutating func applyAddBlock(_ op: Rfs_Namenode_AddBlock) throws -> EditReply {
        let checker = try access()
        var file = try fileUnderConstruction(path: op.path, fileID: op.fileID, holder: op.clientName, checker: checker)
        let before = file
        if let last = file.blocks.last, !last.complete {
            let previousMatchesPenultimate = op.hasPrevious
                ? file.blocks.count >= 2 && file.blocks[file.blocks.count - 2].id == op.previous.id
                : file.blocks.count == 1
            if previousMatchesPenultimate && last.numBytes == 0 {
                let offset = Self.length(of: file) - last.numBytes
                return .block(last, offset: offset, file: file)
            }
            guard op.hasPrevious, op.previous.id == last.id else {
                throw NamespaceRejection.io("addBlock for \(op.path): the previous block \(op.previous.id) is not the file's last block \(last.id)")
            }
            file.blocks[file.blocks.count - 1].numBytes = op.previous.numBytes
            file.blocks[file.blocks.count - 1].complete = true
            effects.append(.blockCommitted(blockID: last.id, generationStamp: last.generationStamp, numBytes: op.previous.numBytes))
        } else if op.hasPrevious && file.blocks.last?.id != op.previous.id {
            throw NamespaceRejection.io("addBlock for \(op.path): the previous block \(op.previous.id) is not the file's last block")
        }
        var block = Rfs_Namenode_BlockRecord()
        block.id = op.newBlockID
        block.generationStamp = op.newGenerationStamp
        block.numBytes = 0
        block.complete = false
        let offset = Self.length(of: file)
        file.blocks.append(block)
        writer.put(file)
        writer.mapBlock(block.id, toFile: file.id)
        // The previous block drops to its real length and the new one is charged a full
        // preferred block until it completes (HDFS's addBlock and commitOrCompleteLastBlock).
        try chargeChange(from: before, to: file)
        try noteBlockIDs(blockID: block.id, generationStamp: block.generationStamp)
        effects.append(.blockAdded(blockID: block.id, generationStamp: block.generationStamp, fileID: file.id, replication: file.replication))
        return .block(block, offset: offset, file: file)
    }

    mutating func applyAbandonBlock(_ op: Rfs_Namenode_AbandonBlock) throws -> EditReply {
        let checker = try access()
        var file = try fileUnderConstruction(path: op.path, fileID: op.fileID, holder: op.clientName, checker: checker)
        guard let last = file.blocks.last, last.id == op.blockID, !last.complete else {
            // Abandoning a block the file does not end with is a no-op, as in HDFS.
            return .done
        }
        let before = file
        file.blocks.removeLast()
        writer.put(file)
        writer.unmapBlock(last.id)
        try chargeChange(from: before, to: file)
        effects.append(.blocksRemoved([last.id]))
        return .done
    }

    /// complete: closes the file. The proposer has already checked that its blocks are
    /// minimally replicated (soft state the namespace does not see).
    mutating func applyComplete(_ op: Rfs_Namenode_Complete) throws -> EditReply {
        let checker = try access()
        let path = try parse(op.path)
        let existing: Rfs_Namenode_InodeRecord?
        if op.fileID != 0 {
            // The writer names its file by id: a file replaced or deleted since is not its own.
            guard let byID = try records.liveInode(op.fileID) else {
                throw NamespaceRejection.leaseExpired("No lease on \(path) (inode \(op.fileID)): File does not exist.")
            }
            existing = byID
        } else {
            existing = try resolve(path, checker: checker).inode
        }
        guard var file = existing, file.kind == .inodeFile else { throw NamespaceRejection.fileNotFound("File does not exist: \(path)") }
        let before = file
        if !file.hasUnderConstruction {
            // A retried complete of a file this client already closed succeeds.
            if !op.hasLast || file.blocks.last?.id == op.last.id { return .flag(true) }
            throw NamespaceRejection.leaseExpired("No lease on \(path): File is not open for writing.")
        }
        guard file.underConstruction.clientName == op.clientName else {
            throw NamespaceRejection.leaseExpired("Client (=\(op.clientName)) is not the lease owner (=\(file.underConstruction.clientName)) of \(path)")
        }
        if op.hasLast {
            guard let last = file.blocks.last, last.id == op.last.id else {
                throw NamespaceRejection.io("complete for \(path): block \(op.last.id) is not the file's last block")
            }
            file.blocks[file.blocks.count - 1].numBytes = op.last.numBytes
            file.blocks[file.blocks.count - 1].complete = true
            effects.append(.blockCommitted(blockID: last.id, generationStamp: last.generationStamp, numBytes: op.last.numBytes))
        } else if let last = file.blocks.last, !last.complete {
            throw NamespaceRejection.io("complete for \(path) names no last block, but block \(last.id) is still being written")
        }
        let holder = file.underConstruction.clientName
        file.clearUnderConstruction()
        file.modificationTimeMs = now
        writer.put(file)
        try chargeChange(from: before, to: file)
        effects.append(.leaseClosed(fileID: file.id, holder: holder))
        return .flag(true)
    }

    mutating func applyFsync(_ op: Rfs_Namenode_Fsync) throws -> EditReply {
        let checker = try access()
        var file = try fileUnderConstruction(path: op.path, fileID: op.fileID, holder: op.clientName, checker: checker)
        // Quotas do not change: the block being written stays charged as a full preferred block.
        if let last = file.blocks.last, !last.complete, op.lastBlockLength > last.numBytes {
            file.blocks[file.blocks.count - 1].numBytes = op.lastBlockLength
            writer.put(file)
        }
        return .done
    }

    /// append: reopens a closed file for writing. Without NEW_BLOCK and with a partial last
    /// block, that block is reopened under a new generation stamp and returned.
    mutating func applyAppend(_ op: Rfs_Namenode_Append) throws -> EditReply {
        let checker = try access()
        let path = try parse(op.path)
        let resolved = try resolve(path, checker: checker)
        guard var file = resolved.inode else { throw NamespaceRejection.fileNotFound("File \(path) not found.") }
        guard file.kind == .inodeFile else { throw NamespaceRejection.fileNotFound("failed to append to directory \(path)") }
        try checker.check(file, .write, path: path.description)
        let before = file
        if file.hasUnderConstruction {
            throw NamespaceRejection.alreadyBeingCreated(
                "Failed to APPEND_FILE \(path) for \(op.clientName) on \(op.clientMachine) because this file lease is currently owned by \(file.underConstruction.clientName)")
        }
        file.underConstruction.clientName = op.clientName
        file.underConstruction.clientMachine = op.clientMachine
        effects.append(.leaseOpened(fileID: file.id, holder: op.clientName))
        if !op.newBlock, let last = file.blocks.last, last.numBytes < file.blockSizeBytes {
            file.blocks[file.blocks.count - 1].generationStamp = op.newGenerationStamp
            file.blocks[file.blocks.count - 1].complete = false
            try noteBlockIDs(blockID: last.id, generationStamp: op.newGenerationStamp)
            effects.append(.blockUpdated(blockID: last.id, generationStamp: op.newGenerationStamp, numBytes: last.numBytes))
            writer.put(file)
            // The reopened block is charged a full preferred block again, checked like a new one.
            try chargeChange(from: before, to: file, along: Array(resolved.inodes.dropLast()))
            let reopened = file.blocks[file.blocks.count - 1]
            return .block(reopened, offset: Self.length(of: file) - reopened.numBytes, file: file)
        }
        writer.put(file)
        return .inode(file)
    }

    /// truncate: immediate when the new length is on a block boundary (true). A cut inside a
    /// block (false) keeps that block with its new length recorded, opens the file for the
    /// caller as HDFS does (the caller's lease), and marks it `truncating`: block recovery then
    /// cuts the replicas and closes the file.
    mutating func applyTruncate(_ op: Rfs_Namenode_Truncate) throws -> EditReply {
        let checker = try access()
        let path = try parse(op.path)
        guard let existing = try resolve(path, checker: checker).inode else { throw NamespaceRejection.fileNotFound("File \(path) not found.") }
        guard existing.kind == .inodeFile else { throw NamespaceRejection.fileNotFound("Cannot truncate to a directory: \(path)") }
        var file = existing
        try checker.check(file, .write, path: path.description)
        if file.hasUnderConstruction {
            throw NamespaceRejection.alreadyBeingCreated("Failed to TRUNCATE_FILE \(path) for \(op.clientName) because this file lease is currently owned by \(file.underConstruction.clientName)")
        }
        let length = Self.length(of: file)
        guard op.newLength <= length else {
            throw NamespaceRejection.illegalArgument("Cannot truncate to a larger file size. Current size: \(length), truncate size: \(op.newLength).")
        }
        if op.newLength == length { return .flag(true) }
        var kept: [Rfs_Namenode_BlockRecord] = []
        var offset: UInt64 = 0
        for block in file.blocks where offset < op.newLength {
            kept.append(block)
            offset += block.numBytes
        }
        let removed = file.blocks.dropFirst(kept.count).map(\.id)
        for id in removed { writer.unmapBlock(id) }
        let onBoundary = offset == op.newLength
        if !onBoundary {
            let last = kept.count - 1
            kept[last].numBytes -= offset - op.newLength
            kept[last].complete = false
            file.underConstruction.clientName = op.clientName
            file.underConstruction.clientMachine = op.clientMachine
            file.underConstruction.truncating = true
        }
        file.blocks = kept
        file.modificationTimeMs = now
        writer.put(file)
        try chargeChange(from: existing, to: file)
        if !removed.isEmpty { effects.append(.blocksRemoved(removed)) }
        if !onBoundary, let last = kept.last {
            effects.append(.blockUpdated(blockID: last.id, generationStamp: last.generationStamp, numBytes: last.numBytes))
            effects.append(.leaseOpened(fileID: file.id, holder: op.clientName))
        }
        return .flag(onBoundary)
    }

    /// concat: moves the sources' blocks, in order, to the end of the target and deletes
    /// the sources. Every file must be closed and every source non-empty. As in Hadoop 3, a
    /// block of any length may be joined, the sources must sit in the target's directory and
    /// their preferred block size may not exceed the target's; edits from before
    /// `variable_length_blocks` keep the old rules (full blocks, any directory).
    mutating func applyConcat(_ op: Rfs_Namenode_Concat) throws -> EditReply {
        let checker = try access()
        let targetPath = try parse(op.target)
        guard var target = try resolve(targetPath, checker: checker).inode, target.kind == .inodeFile else {
            throw NamespaceRejection.fileNotFound("File \(targetPath) not found.")
        }
        try checker.check(target, .write, path: targetPath.description)
        guard !op.sources.isEmpty else { throw NamespaceRejection.illegalArgument("concat: no sources given") }
        guard !target.hasUnderConstruction else {
            if op.variableLengthBlocks { throw NamespaceRejection.illegalArgument("concat: target file \(targetPath) is under construction") }
            throw NamespaceRejection.io("concat: target file \(targetPath) is under construction")
        }
        var seen = Set<String>()
        var sources: [(Rfs_Namenode_InodeRecord, NamespacePath, Rfs_Namenode_InodeRecord)] = []
        for text in op.sources {
            let path = try parse(text)
            guard seen.insert(path.description).inserted, path != targetPath else {
                throw NamespaceRejection.illegalArgument("concat: the source \(path) is repeated or is the target")
            }
            let resolved = try resolve(path, checker: checker)
            guard let source = resolved.inode, source.kind == .inodeFile else { throw NamespaceRejection.fileNotFound("File \(path) not found.") }
            if op.variableLengthBlocks {
                guard source.parentID == target.parentID else {
                    throw NamespaceRejection.illegalArgument("Source file \(path) is not in the same directory with the target \(targetPath)")
                }
                guard !source.hasUnderConstruction, !source.blocks.isEmpty else {
                    throw NamespaceRejection.illegalArgument("concat: source file \(path) is invalid or empty or underConstruction")
                }
                guard source.blockSizeBytes <= target.blockSizeBytes else {
                    throw NamespaceRejection.illegalArgument("concat: source file \(path) has preferred block size \(source.blockSizeBytes) which is greater than the target file's preferred block size \(target.blockSizeBytes)")
                }
            }
            guard !source.hasUnderConstruction else { throw NamespaceRejection.io("concat: source file \(path) is under construction") }
            guard !source.blocks.isEmpty else { throw NamespaceRejection.illegalArgument("concat: source file \(path) is empty") }
            try checker.check(source, .read, path: path.description)
            try checker.check(resolved.parent!, .write, path: path.parent.description)
            sources.append((source, path, resolved.parent!))
        }
        if !op.variableLengthBlocks, let last = target.blocks.last, last.numBytes < target.blockSizeBytes {
            throw NamespaceRejection.illegalArgument("concat: the last block of target \(targetPath) is not full")
        }
        for (index, (source, _, _)) in sources.enumerated() where index < sources.count - 1 && !op.variableLengthBlocks {
            if let last = source.blocks.last, last.numBytes < source.blockSizeBytes {
                throw NamespaceRejection.illegalArgument("concat: the last block of a source other than the last is not full")
            }
        }
        var replicationChanges: [UInt64] = []
        let targetBefore = target
        for (source, _, _) in sources {
            for block in source.blocks {
                target.blocks.append(block)
                writer.mapBlock(block.id, toFile: target.id)
                if source.replication != target.replication { replicationChanges.append(block.id) }
            }
            var parent = try records.inode(source.parentID)!
            unlink(source, from: &parent)
            writer.overlay.delete(StoreKeys.inode(source.id))
            try charge(-QuotaDelta.file(source), along: try ancestors(of: source))
        }
        target.modificationTimeMs = now
        writer.put(target)
        // The moved blocks now count at the target's replication.
        try chargeChange(from: targetBefore, to: target)
        if !replicationChanges.isEmpty { effects.append(.replicationChanged(blockIDs: replicationChanges, replication: target.replication)) }
        return .done
    }

    mutating func applyNewGenerationStamp(_ op: Rfs_Namenode_NewGenerationStamp) throws -> EditReply {
        try noteBlockIDs(blockID: 0, generationStamp: op.generationStamp)
        return .done
    }

    /// updatePipeline: after pipeline recovery the block carries a new generation stamp and
    /// the length acknowledged so far.
    mutating func applyUpdatePipeline(_ op: Rfs_Namenode_UpdatePipeline) throws -> EditReply {
        guard let fileIDBytes = try writer.overlay.get(StoreKeys.block(op.oldBlock.id)),
              var file = try records.liveInode(StoreKeys.decodeUInt64(fileIDBytes)) else {
            throw NamespaceRejection.io("updatePipeline: block \(op.oldBlock.id) does not exist")
        }
        guard file.hasUnderConstruction, file.underConstruction.clientName == op.clientName else {
            throw NamespaceRejection.leaseExpired("updatePipeline: \(op.clientName) does not hold the lease on block \(op.oldBlock.id)")
        }
        guard let position = file.blocks.lastIndex(where: { $0.id == op.oldBlock.id }), position == file.blocks.count - 1 else {
            throw NamespaceRejection.io("updatePipeline: block \(op.oldBlock.id) is not the last block of its file")
        }
        guard op.newBlock.generationStamp > file.blocks[position].generationStamp else {
            throw NamespaceRejection.io("updatePipeline: new generation stamp \(op.newBlock.generationStamp) is not newer than \(file.blocks[position].generationStamp)")
        }
        let before = file
        file.blocks[position].generationStamp = op.newBlock.generationStamp
        file.blocks[position].numBytes = op.newBlock.numBytes
        writer.put(file)
        try chargeChange(from: before, to: file)
        try noteBlockIDs(blockID: op.oldBlock.id, generationStamp: op.newBlock.generationStamp)
        effects.append(.blockUpdated(blockID: op.oldBlock.id, generationStamp: op.newBlock.generationStamp, numBytes: op.newBlock.numBytes))
        return .done
    }

    /// Lease recovery's last step: close a dead writer's file at the recovered length.
    mutating func applyReleaseLease(_ op: Rfs_Namenode_ReleaseLease) throws -> EditReply {
        let checker = try access()
        var file = try fileUnderConstruction(path: op.path, fileID: op.fileID, holder: op.holder, checker: checker)
        let before = file
        if let last = file.blocks.last, !last.complete {
            if op.lastBlockLength == 0 && op.lastGenerationStamp == 0 {
                file.blocks.removeLast()
                writer.unmapBlock(last.id)
                effects.append(.blocksRemoved([last.id]))
            } else {
                file.blocks[file.blocks.count - 1].numBytes = op.lastBlockLength
                file.blocks[file.blocks.count - 1].generationStamp = max(last.generationStamp, op.lastGenerationStamp)
                file.blocks[file.blocks.count - 1].complete = true
                // The stamp the recovery settled on: a later one must be newer, after any restart.
                try noteBlockIDs(blockID: 0, generationStamp: op.lastGenerationStamp)
                effects.append(.blockCommitted(blockID: last.id, generationStamp: file.blocks[file.blocks.count - 1].generationStamp, numBytes: op.lastBlockLength))
            }
        }
        file.clearUnderConstruction()
        file.modificationTimeMs = now
        writer.put(file)
        try chargeChange(from: before, to: file)
        effects.append(.leaseClosed(fileID: file.id, holder: op.holder))
        return .flag(true)
    }
}
