/// The clients' namespace operations, each confined to one "slot": a directory `/k<key>`
/// made at bootstrap, holding at most the names in `SlotModel.names`, and in a directory among
/// them at most one file, `f` (so a recursive delete of it can detach a subtree). No
/// operation reaches outside its slot, so operations on different slots commute and the
/// history can be checked one slot at a time (P-compositionality).
enum SlotOperation: Hashable, CustomStringConvertible {
    case mkdirs(name: Int, permission: UInt32)
    /// Always with a client's lease, never completed: the file stays under construction.
    case create(name: Int, permission: UInt32, overwrite: Bool)
    case delete(name: Int)
    case rename(from: Int, to: Int, overwrite: Bool)
    case setPermission(name: Int, permission: UInt32)
    /// create `<name>/f` with overwrite and without creating a missing parent.
    case fill(name: Int)
    /// getFileInfo, served by the leader after a ReadIndex round.
    case stat(name: Int)

    var isRead: Bool {
        if case .stat = self { return true }
        return false
    }

    var description: String {
        let n = SlotModel.names
        return switch self {
        case .mkdirs(let name, let permission): "mkdirs \(n[name]) \(octal(permission))"
        case .create(let name, let permission, let overwrite): "create \(n[name]) \(octal(permission))\(overwrite ? " overwrite" : "")"
        case .delete(let name): "delete \(n[name])"
        case .rename(let from, let to, let overwrite): "rename \(n[from]) \(n[to])\(overwrite ? " overwrite" : "")"
        case .setPermission(let name, let permission): "chmod \(n[name]) \(octal(permission))"
        case .fill(let name): "create \(n[name])/f overwrite"
        case .stat(let name): "stat \(n[name])"
        }
    }
}

/// What a client was told, reduced to what the sequential specification decides.
enum SlotOutcome: Hashable, CustomStringConvertible {
    case done
    case flag(Bool)
    case rejected(RejectionKind)
    case found(SlotEntry?)

    enum RejectionKind: Hashable {
        case fileNotFound, fileAlreadyExists, isADirectory, alreadyBeingCreated, parentNotDirectory, io
        /// Anything the specification never expects (a permission refusal, say).
        case other(String)
    }

    var description: String {
        switch self {
        case .done: "done"
        case .flag(let value): "\(value)"
        case .rejected(let kind): "rejected \(kind)"
        case .found(let entry): entry.map { "\($0)" } ?? "absent"
        }
    }
}

/// What one name in a slot holds; a directory may hold the file `f`.
enum SlotEntry: Hashable, CustomStringConvertible {
    case file(permission: UInt32)
    case directory(permission: UInt32, filled: Bool)

    var isDirectory: Bool {
        if case .directory = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .file(let permission): "file \(octal(permission))"
        case .directory(let permission, let filled): "dir \(octal(permission))\(filled ? " holding f" : "")"
        }
    }
}

/// The sequential specification of a slot, written from HDFS's semantics as the namespace
/// implements them (the superuser calls, so permissions never refuse).
struct SlotModel: Hashable {
    static let names = ["a", "b", "c"]

    private var entries: [SlotEntry?] = Array(repeating: nil, count: SlotModel.names.count)

    /// The outcome `operation` has in this state, and the state after it.
    func applying(_ operation: SlotOperation) -> (SlotOutcome, SlotModel) {
        var next = self
        switch operation {
        case .mkdirs(let name, let permission):
            switch entries[name] {
            case nil: next.entries[name] = .directory(permission: permission & 0o1777, filled: false)
            case .directory: break
            case .file: return (.rejected(.fileAlreadyExists), self)
            }
            return (.flag(true), next)
        case .create(let name, let permission, let overwrite):
            switch entries[name] {
            case .directory: return (.rejected(.isADirectory), self)
            // Never completed, so always being written by its creator.
            case .file where !overwrite: return (.rejected(.alreadyBeingCreated), self)
            case .file, nil: next.entries[name] = .file(permission: permission & 0o777)
            }
            return (.done, next)
        case .delete(let name):
            // Recursive: a directory goes with its file.
            guard entries[name] != nil else { return (.flag(false), self) }
            next.entries[name] = nil
            return (.flag(true), next)
        case .rename(let from, let to, let overwrite):
            guard let source = entries[from] else { return (.rejected(.fileNotFound), self) }
            if let existing = entries[to] {
                guard overwrite else { return (.rejected(.fileAlreadyExists), self) }
                guard existing.isDirectory == source.isDirectory else { return (.rejected(.io), self) }
                // A directory is replaced only when empty.
                if case .directory(_, true) = existing { return (.rejected(.io), self) }
            }
            next.entries[to] = source
            next.entries[from] = nil
            return (.done, next)
        case .setPermission(let name, let permission):
            switch entries[name] {
            case nil: return (.rejected(.fileNotFound), self)
            case .file: next.entries[name] = .file(permission: permission & 0o1777)
            case .directory(_, let filled): next.entries[name] = .directory(permission: permission & 0o1777, filled: filled)
            }
            return (.done, next)
        case .fill(let name):
            switch entries[name] {
            case nil: return (.rejected(.fileNotFound), self)
            case .file: return (.rejected(.parentNotDirectory), self)
            // Overwrite replaces an `f` being written, as HDFS's create does.
            case .directory(let permission, _): next.entries[name] = .directory(permission: permission, filled: true)
            }
            return (.done, next)
        case .stat(let name):
            return (.found(entries[name]), self)
        }
    }
}

func octal(_ value: UInt32) -> String { "0" + String(value, radix: 8) }
