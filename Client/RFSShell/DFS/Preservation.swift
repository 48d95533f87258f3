#if canImport(Glibc)
import Glibc
#endif
import RFSClient

/// What a copy gives its target of its source (FsShell's `-p`, and `-cp`'s `-p[topax]`):
/// Hadoop's CommandWithDestination.preserveAttributes, applied to a file once it is in place
/// and to a directory once everything under it is copied.
struct Preservation: OptionSet, Sendable {
    let rawValue: UInt8

    static let times = Preservation(rawValue: 1 << 0)
    static let ownership = Preservation(rawValue: 1 << 1)
    static let permission = Preservation(rawValue: 1 << 2)
    /// rfs keeps no ACL entries: what remains of an ACL is the permission, which is set.
    static let acl = Preservation(rawValue: 1 << 3)
    /// Extended attributes, from a source on the same filesystem as the target (-cp).
    static let xattr = Preservation(rawValue: 1 << 4)
    /// A bare `-p`.
    static let standard: Preservation = [.times, .ownership, .permission]

    /// Hadoop's popPreserveOption: removes the first argument before `--` that starts with
    /// `-p` and reads its letters (none: `standard`). Nil when there is none.
    static func pop(from arguments: inout [String]) throws(UsageError) -> Preservation? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { return nil }
            guard argument.hasPrefix("-p") else { continue }
            arguments.remove(at: index)
            let letters = argument.dropFirst(2)
            if letters.isEmpty { return .standard }
            var chosen: Preservation = []
            for letter in letters {
                switch letter {
                case "t": chosen.insert(.times)
                case "o": chosen.insert(.ownership)
                case "p": chosen.insert(.permission)
                case "a": chosen.insert(.acl)
                case "x": chosen.insert(.xattr)
                default: throw UsageError("No attribute for \(letter)")
                }
            }
            return chosen
        }
        return nil
    }

    /// The source's attributes onto an rfs `path`, in Hadoop's order: times, owner, permission,
    /// then the extended attributes one by one, in the order of the map Hadoop reads them into.
    func apply(_ source: CopiedAttributes, to path: String, fs: FileSystem) async throws {
        if contains(.times) {
            try await fs.setTimes(path, modificationTimeMs: source.modificationTimeMs, accessTimeMs: source.accessTimeMs)
        }
        if contains(.ownership) { try await fs.setOwner(path, owner: source.owner, group: source.group) }
        if !isDisjoint(with: [.permission, .acl]) { try await fs.setPermission(path, source.permission) }
        if contains(.xattr), let sourcePath = source.path {
            let xattrs = try await fs.xattrs(sourcePath).map { ($0.name.prefixed, $0.value) }
            for (name, value) in JavaHashMapOrder.ordered(xattrs, key: \.0) { try await fs.setXAttr(path, name: name, value: value) }
        }
    }

    /// The source's attributes onto a local `path` (as Hadoop's local file system sets them).
    func applyLocally(_ source: CopiedAttributes, to path: String) throws {
        if contains(.times) {
            var times = [timespec(milliseconds: source.accessTimeMs), timespec(milliseconds: source.modificationTimeMs)]
            guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw Self.failure(path, "setting times", errno) }
        }
        if contains(.ownership) {
            guard let user = getpwnam(source.owner), let group = getgrnam(source.group) else {
                throw PathFailure("chown: invalid user: '\(source.owner):\(source.group)'")
            }
            guard chown(path, user.pointee.pw_uid, group.pointee.gr_gid) == 0 else {
                throw PathFailure("chown: changing ownership of '\(path)': \(String(cString: strerror(errno)))")
            }
        }
        if !isDisjoint(with: [.permission, .acl]) {
            guard chmod(path, mode_t(source.permission.mode)) == 0 else { throw Self.failure(path, "chmod", errno) }
        }
    }

    private static func failure(_ path: String, _ what: String, _ code: Int32) -> PathFailure {
        PathFailure(PathMessage.other(path, "\(what): \(String(cString: strerror(code)))"))
    }
}

/// The attributes a copy can carry from its source.
struct CopiedAttributes: Sendable {
    var modificationTimeMs: Int64
    var accessTimeMs: Int64
    var owner: String
    var group: String
    var permission: FsPermission
    /// The source on the rfs filesystem, whose extended attributes -p[x] copies (nil: a local file).
    var path: String?

    init(_ status: FileStatus) {
        path = status.path
        modificationTimeMs = status.modificationTimeMs
        accessTimeMs = status.accessTimeMs
        owner = status.owner
        group = status.group
        permission = status.permission
    }

    /// A local file's, as Hadoop's local file system reports them (names, not ids).
    init(localPath path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw PathFailure(PathMessage.other(path, String(cString: strerror(errno))))
        }
        modificationTimeMs = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
        accessTimeMs = Int64(info.st_atim.tv_sec) * 1000 + Int64(info.st_atim.tv_nsec) / 1_000_000
        owner = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? String(info.st_uid)
        group = getgrgid(info.st_gid).map { String(cString: $0.pointee.gr_name) } ?? String(info.st_gid)
        permission = FsPermission(mode: UInt16(info.st_mode & 0o1777))
    }
}

extension timespec {
    init(milliseconds: Int64) {
        self.init(tv_sec: Int(milliseconds / 1000), tv_nsec: Int(milliseconds % 1000) * 1_000_000)
    }
}
