#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// LevelDB's default key order: compare the common prefix with memcmp; if equal, the shorter
/// key comes first. Every helper here works on whole buffers (memcmp), never byte by byte.
public enum BytewiseOrder {
    /// Negative if `a < b`, zero if equal, positive if `a > b`.
    public static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let common = Swift.min(a.count, b.count)
        if common > 0 {
            let order = a.withUnsafeBytes { pa in
                b.withUnsafeBytes { pb in memcmp(pa.baseAddress!, pb.baseAddress!, common) }
            }
            if order != 0 { return order < 0 ? -1 : 1 }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    public static func hasPrefix(_ key: [UInt8], _ prefix: [UInt8]) -> Bool {
        guard prefix.count <= key.count else { return false }
        guard !prefix.isEmpty else { return true }
        return key.withUnsafeBytes { pk in
            prefix.withUnsafeBytes { pp in memcmp(pk.baseAddress!, pp.baseAddress!, prefix.count) == 0 }
        }
    }

    /// The smallest key greater than every key that starts with `prefix`: drop trailing 0xFF
    /// bytes and increment the last remaining one. Nil when no such key exists (`prefix` is
    /// empty or all 0xFF), meaning "to the end of the keyspace".
    public static func successor(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        guard let last = prefix.lastIndex(where: { $0 != 0xFF }) else { return nil }
        var result = Array(prefix[...last])
        result[last] += 1
        return result
    }

    /// The smallest key greater than `key`: `key` followed by a zero byte.
    public static func successor(ofKey key: [UInt8]) -> [UInt8] {
        key + [0]
    }

    static func min(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { compare(a, b) <= 0 ? a : b }
    static func max(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { compare(a, b) >= 0 ? a : b }

    /// Keys in messages: hex, shortened past 32 bytes.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(Swift.min(bytes.count, 32) * 2 + 3)
        for byte in bytes.prefix(32) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        if bytes.count > 32 { out += Array("...".utf8) }
        return "0x" + String(decoding: out, as: UTF8.self)
    }
}
