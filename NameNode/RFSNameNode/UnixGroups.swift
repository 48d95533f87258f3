#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The groups of a user as the namenode host knows them (HDFS's default
/// ShellBasedUnixGroupsMapping), cached. A user the host does not know has no groups.
public final class UnixGroups: Sendable {
    private let cache = Mutex<[String: [String]]>([:])

    public init() {}

    public func groups(for user: String) -> [String] {
        if let cached = cache.withLock({ $0[user] }) { return cached }
        let found = Self.lookUp(user)
        cache.withLock { $0[user] = found }
        return found
    }

    static func lookUp(_ user: String) -> [String] {
        var buffer = [CChar](repeating: 0, count: 16_384)
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        guard getpwnam_r(user, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return [] }
        var count: Int32 = 64
        var ids = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, entry.pw_gid, &ids, &count) < 0 {
            ids = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(user, entry.pw_gid, &ids, &count) >= 0 else { return [] }
        }
        var names: [String] = []
        var groupBuffer = [CChar](repeating: 0, count: 16_384)
        for id in ids.prefix(Int(count)) {
            var group = Glibc.group()
            var groupResult: UnsafeMutablePointer<Glibc.group>? = nil
            if getgrgid_r(id, &group, &groupBuffer, groupBuffer.count, &groupResult) == 0, groupResult != nil {
                names.append(String(cString: group.gr_name))
            }
        }
        return names
    }
}
