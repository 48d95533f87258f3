import RFSNamespace
import RFSProtocol

/// Turns the clients' slot operations into namespace edits and the namespace's answers
/// back into outcomes the specification can judge.
enum SlotEdits {
    static func directory(_ slot: Int) -> String { "/k\(slot)" }

    static func path(_ slot: Int, _ name: Int) -> String { "\(directory(slot))/\(SlotModel.names[name])" }

    /// The delete edits' limit: a subtree of more inodes is detached, not removed at once.
    static let detachAbove: UInt64 = 1

    /// A purge edit the leader proposes now and then, as the active namenode does while
    /// detached subtrees wait: one inode at a time, so a subtree takes several.
    static func purge(timeMs: UInt64) -> Rfs_Namenode_Edit {
        var op = Rfs_Namenode_PurgeDetached()
        op.maxInodes = 1
        return edit(.purgeDetached(op), timeMs: timeMs)
    }

    static func edit(_ operation: Rfs_Namenode_Edit.OneOf_Operation, timeMs: UInt64) -> Rfs_Namenode_Edit {
        var edit = Rfs_Namenode_Edit()
        edit.timeMs = timeMs
        edit.caller.user = NamespaceReplica.superuser
        edit.operation = operation
        return edit
    }

    /// The edit a write proposes (a read is not an edit).
    static func edit(for operation: SlotOperation, slot: Int, client: Int, timeMs: UInt64) -> Rfs_Namenode_Edit {
        let target: Rfs_Namenode_Edit.OneOf_Operation
        switch operation {
        case .mkdirs(let name, let permission):
            var op = Rfs_Namenode_Mkdirs()
            op.path = path(slot, name)
            op.permission = permission
            target = .mkdirs(op)
        case .create(let name, let permission, let overwrite):
            target = .create(create(path(slot, name), permission: permission, overwrite: overwrite, client: client))
        case .delete(let name):
            var op = Rfs_Namenode_Delete()
            op.path = path(slot, name)
            op.recursive = true
            // A directory holding `f` (two inodes) is detached and left to purge edits.
            op.detachAbove = detachAbove
            target = .delete(op)
        case .fill(let name):
            target = .create(create(path(slot, name) + "/f", permission: 0o644, overwrite: true, client: client))
        case .rename(let from, let to, let overwrite):
            var op = Rfs_Namenode_Rename()
            op.source = path(slot, from)
            op.destination = path(slot, to)
            op.overwrite = overwrite
            target = .rename(op)
        case .setPermission(let name, let permission):
            var op = Rfs_Namenode_SetPermission()
            op.path = path(slot, name)
            op.permission = permission
            target = .setPermission(op)
        case .stat:
            preconditionFailure("a read is not an edit")
        }
        return edit(target, timeMs: timeMs)
    }

    /// A create held open by the client's lease (never completed), without creating parents.
    private static func create(_ path: String, permission: UInt32, overwrite: Bool, client: Int) -> Rfs_Namenode_Create {
        var op = Rfs_Namenode_Create()
        op.path = path
        op.permission = permission
        op.overwrite = overwrite
        op.clientName = "sim-client-\(client)"
        op.clientMachine = "sim"
        op.replication = 3
        op.blockSizeBytes = 128 << 20
        return op
    }

    static func outcome(of result: EditResult) -> SlotOutcome {
        switch result.outcome {
        case .success(.flag(let value)): .flag(value)
        case .success: .done
        case .failure(let rejection): .rejected(kind(of: rejection))
        }
    }

    static func outcome(ofRead inode: Rfs_Namenode_InodeRecord?) -> SlotOutcome {
        guard let inode else { return .found(nil) }
        return .found(inode.kind == .inodeDirectory
            ? .directory(permission: inode.permission, filled: inode.childCount > 0) : .file(permission: inode.permission))
    }

    private static func kind(of rejection: NamespaceRejection) -> SlotOutcome.RejectionKind {
        switch rejection {
        case .fileNotFound: .fileNotFound
        case .fileAlreadyExists: .fileAlreadyExists
        case .isADirectory: .isADirectory
        case .alreadyBeingCreated: .alreadyBeingCreated
        case .parentNotDirectory: .parentNotDirectory
        case .io: .io
        default: .other("\(rejection)")
        }
    }
}
