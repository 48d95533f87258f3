/// A half-open range of keys, `start ..< end` in bytewise order; `end == nil` reaches past the
/// last key.
public struct KeyRange: Hashable, Sendable, CustomStringConvertible {
    /// The first key in the range (inclusive). `[]` is the smallest key.
    public var start: [UInt8]
    /// The first key past the range (exclusive), or nil for no upper bound.
    public var end: [UInt8]?

    public init(start: [UInt8] = [], end: [UInt8]? = nil) {
        self.start = start
        self.end = end
    }

    /// Every key.
    public static let all = KeyRange()

    /// Every key that starts with `prefix`.
    public static func prefix(_ prefix: [UInt8]) -> KeyRange {
        KeyRange(start: prefix, end: BytewiseOrder.successor(ofPrefix: prefix))
    }

    public func contains(_ key: [UInt8]) -> Bool {
        guard BytewiseOrder.compare(key, start) >= 0 else { return false }
        guard let end else { return true }
        return BytewiseOrder.compare(key, end) < 0
    }

    public var description: String {
        "[\(BytewiseOrder.hex(start)), \(end.map(BytewiseOrder.hex) ?? "end"))"
    }
}
