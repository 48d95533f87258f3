import RFSKeyValue

/// An order-independent digest of a key-value store: the wrapping sum of one hash per
/// (key, value) pair. A write changes it by the pairs it replaces, so a replica keeps its
/// digest current in O(keys written) instead of rescanning the store after every batch.
///
/// The hash is Swift's `Hasher` (SipHash, optimized even in a debug build), seeded per
/// process: digests are compared only within one run, never printed as expected values.
struct StoreDigest: Hashable, CustomStringConvertible {
    private(set) var value: UInt64 = 0

    init() {}

    init(pairs: [KeyValuePair]) {
        for pair in pairs { value &+= Self.hash(pair.key, pair.value) }
    }

    /// `key` held `old` (nil: absent) and now holds `new` (nil: deleted).
    mutating func replace(_ key: [UInt8], old: [UInt8]?, new: [UInt8]?) {
        if let old { value &-= Self.hash(key, old) }
        if let new { value &+= Self.hash(key, new) }
    }

    var description: String { String(value, radix: 16) }

    private static func hash(_ key: [UInt8], _ value: [UInt8]) -> UInt64 {
        var hasher = Hasher()
        key.withUnsafeBytes { hasher.combine(bytes: $0) }
        // The length keeps ("ab", "c") and ("a", "bc") apart.
        hasher.combine(key.count)
        value.withUnsafeBytes { hasher.combine(bytes: $0) }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}
