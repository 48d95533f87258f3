/// The order FsShell sorts paths in (`PathData.compareTo` → `java.net.URI.compareTo`): by the
/// URI's raw path, where every byte outside the characters a URI path allows (non-ASCII
/// UTF-8, space, `#`, `%`, …) is percent-encoded. So `ü…` (`%C3…`) sorts before `h`, and
/// `sp ace` (`sp%20ace`) after `sp-x`.
public enum URIOrder {
    /// ASCII characters a URI path keeps as they are (RFC 2396 unreserved, `;:@&=+$,` and `/`).
    static let allowed: Set<UInt8> = {
        var set = Set<UInt8>()
        for range in [UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9")] {
            set.formUnion(range)
        }
        set.formUnion("-_.!~*'();:@&=+$,/".utf8)
        return set
    }()

    public static func key(_ path: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in path.utf8 {
            if allowed.contains(byte) {
                bytes.append(byte)
            } else {
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func sorted(_ items: [ShellPath]) -> [ShellPath] {
        items.map { (key(keyPath($0)), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// What FsShell compares: the path as the item names it (qualified when it is).
    static func keyPath(_ item: ShellPath) -> String {
        item.display.contains("://") ? item.display : item.absolute
    }
}
