/// A file's permission bits as HDFS keeps them: owner/group/other rwx plus the sticky bit
/// (HDFS has no setuid/setgid; bit 0o1000 is the sticky bit).
public struct FsPermission: Sendable, Hashable, CustomStringConvertible {
    /// The mode, `0o0000...0o1777`.
    public let mode: UInt16

    public static let stickyBit: UInt16 = 0o1000
    /// What `mkdirs` asks for before the client's umask (HDFS: 0777).
    public static let directoryDefault = FsPermission(mode: 0o777)
    /// What `create` asks for before the client's umask (HDFS: 0666).
    public static let fileDefault = FsPermission(mode: 0o666)
    /// `fs.permissions.umask-mode`'s default (022).
    public static let umaskDefault = FsPermission(mode: 0o022)

    public init(mode: UInt16) {
        self.mode = mode & 0o1777
    }

    public var isSticky: Bool { mode & Self.stickyBit != 0 }

    /// `mode` with the bits of `umask` cleared, as Hadoop's `FsPermission.applyUMask`.
    public func applying(umask: FsPermission) -> FsPermission {
        FsPermission(mode: mode & ~(umask.mode & 0o777))
    }

    /// `rwxr-xr-t` — HDFS's `FsPermission.toString`: the sticky bit shows as `t` in the
    /// other-execute place, `T` when other has no execute.
    public var description: String {
        var text = [6, 3, 0].map { Self.actionSymbol(mode >> UInt16($0)) }.joined()
        if isSticky {
            let otherExecute = mode & 0o1 != 0
            text.removeLast()
            text += otherExecute ? "t" : "T"
        }
        return text
    }

    /// FsAction's SYMBOL for the low three bits of `bits` ("rwx", "r-x", "---", …).
    public static func actionSymbol(_ bits: UInt16) -> String {
        (bits & 4 != 0 ? "r" : "-") + (bits & 2 != 0 ? "w" : "-") + (bits & 1 != 0 ? "x" : "-")
    }

    /// FsAction.getFsAction: the rwx bits of exactly one of the eight symbols, else nil.
    public static func actionBits(_ symbol: String) -> UInt8? {
        (0...7).first { actionSymbol(UInt16($0)) == symbol }.map(UInt8.init)
    }

    /// The mode as octal digits without leading zeros beyond three (`644`, `1777`), as `-stat %a` prints.
    public var octal: String { String(mode, radix: 8) }
}
