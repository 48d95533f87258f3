import RFSClient
import RFSConfig

/// HDFS's trash as `TrashPolicyDefault` keeps it: a deleted path moves to
/// `/user/<user>/.Trash/Current/<its absolute path>` (a time suffix when that name is taken),
/// and is really deleted when the interval passes (by the namenode's emptier, not here).
struct Trash {
    let context: DFSContext

    /// Minutes deleted paths stay: the server's setting when it has one, else the client's.
    func intervalMinutes(_ fs: FileSystem) async throws -> Int64 {
        let server = try await fs.serverDefaults().trashIntervalMinutes
        if server > 0 { return server }
        let minutes = try context.configuration.get(Keys.trashInterval)
        return minutes > 0 ? max(1, Int64(minutes)) : 0
    }

    /// Moves `item` to the trash; false when the trash is off or `item` is in it already.
    func moveToTrash(_ item: ShellPath) async throws -> Bool {
        let fs = context.fs(item)
        guard try await intervalMinutes(fs) > 0 else { return false }
        let trashRoot = PathResolver.child(of: "/user/\(fs.user)", named: ".Trash")
        let qualifiedItem = context.qualified(item.absolute, on: item)
        if item.absolute == trashRoot || item.absolute.hasPrefix(trashRoot + "/") { return false }
        // Hadoop compares the qualified strings by prefix, so `/u` "contains" `/user/<u>/.Trash`
        // too; rfs keeps that answer so scripts see what they see with HDFS.
        if context.qualified(PathResolver.parent(of: trashRoot)!, on: item).hasPrefix(qualifiedItem) {
            throw PathFailure("Cannot move \"\(qualifiedItem)\" to the trash, as it contains the trash. Consider using -skipTrash option")
        }
        let current = PathResolver.child(of: trashRoot, named: "Current")
        let parentInTrash = current + (PathResolver.parent(of: item.absolute) ?? "")
        guard try await fs.mkdirs(parentInTrash, permission: FsPermission(mode: 0o700), createParent: true) else {
            return false
        }
        let original = current + item.absolute
        var destination = original
        while try await fs.exists(destination) {
            destination = original + String(currentTimeMilliseconds())
        }
        try await fs.rename(item.absolute, to: destination, overwrite: false)
        context.printLine("Moved: '\(qualifiedItem)' to trash at: \(context.qualified(current, on: item))")
        return true
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock milliseconds, for the suffix of a trash name that is taken (Hadoop: `Time.now()`).
func currentTimeMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
