import RFSClient

/// `-ls` lines in Hadoop's `Ls` format: type and permission (`+` when there is an ACL),
/// replication (`-` for a directory), owner, group, size, `yyyy-MM-dd HH:mm`, path. Column
/// widths are computed over one batch (the entries of one directory, or one argument), from
/// Hadoop's minimums (replication 3, size 10 characters).
public struct LsFormat: Sendable {
    public var humanReadable = false
    public var useAccessTime = false

    public init(humanReadable: Bool = false, useAccessTime: Bool = false) {
        self.humanReadable = humanReadable
        self.useAccessTime = useAccessTime
    }

    struct Widths {
        var replication = 3
        var length = 10
        var owner = 0
        var group = 0
    }

    public func lines(_ items: [(status: FileStatus, display: String)]) -> [String] {
        var widths = Widths()
        for (status, _) in items {
            // Hadoop measures the raw replication and length, even for directories and with -h.
            widths.replication = max(widths.replication, String(status.replication).count)
            widths.length = max(widths.length, String(status.length).count)
            widths.owner = max(widths.owner, status.owner.count)
            widths.group = max(widths.group, status.group.count)
        }
        return items.map { line($0.status, display: $0.display, widths: widths) }
    }

    func line(_ status: FileStatus, display: String, widths: Widths) -> String {
        let type = status.isDirectory ? "d" : "-"
        let permission = status.permission.description + (status.hasACL ? "+" : " ")
        let replication = status.isFile ? String(status.replication) : "-"
        let owner = widths.owner > 0 ? Padding.right(status.owner, widths.owner) + " " : status.owner
        let group = widths.group > 0 ? Padding.right(status.group, widths.group) + " " : status.group
        let size = SizeFormat.format(status.length, humanReadable: humanReadable)
        let time = DateFormat.listing(milliseconds: useAccessTime ? status.accessTimeMs : status.modificationTimeMs)
        return type + permission + Padding.left(replication, widths.replication) + " " + owner + group
            + Padding.left(size, widths.length) + " " + time + " " + display
    }
}

/// `-ls` ordering: by path (the default), by time newest first (`-t`), by size largest first
/// (`-S`); `-r` reverses. Ties keep their order, as Java's stable sort does.
public struct LsOrder: Sendable {
    public enum Key: Sendable { case path, time, size }
    public var key: Key
    public var reverse: Bool
    public var useAccessTime: Bool

    public init(key: Key = .path, reverse: Bool = false, useAccessTime: Bool = false) {
        self.key = key
        self.reverse = reverse
        self.useAccessTime = useAccessTime
    }

    public func sorted(_ items: [ShellPath]) -> [ShellPath] {
        let indexed = items.enumerated().map { ($0.offset, $0.element) }
        return indexed.sorted { a, b in
            let order = compare(a.1, b.1)
            return order == 0 ? a.0 < b.0 : order < 0
        }.map(\.1)
    }

    /// Negative when `a` comes first.
    func compare(_ a: ShellPath, _ b: ShellPath) -> Int {
        let forward: Int
        switch key {
        case .path:
            let ka = URIOrder.key(URIOrder.keyPath(a)), kb = URIOrder.key(URIOrder.keyPath(b))
            forward = ka == kb ? 0 : (ka < kb ? -1 : 1)
        case .time:
            let ta = time(a), tb = time(b)
            forward = ta == tb ? 0 : (ta > tb ? -1 : 1)
        case .size:
            let la = a.status?.length ?? 0, lb = b.status?.length ?? 0
            forward = la == lb ? 0 : (la > lb ? -1 : 1)
        }
        return reverse ? -forward : forward
    }

    func time(_ item: ShellPath) -> Int64 {
        useAccessTime ? item.status?.accessTimeMs ?? 0 : item.status?.modificationTimeMs ?? 0
    }
}
