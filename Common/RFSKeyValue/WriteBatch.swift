/// An ordered list of puts and deletes applied atomically by `KeyValueStore.write(_:sync:)`.
/// A value type, so the same batch can go to either backend (and be recorded by a simulator);
/// `LevelDBStore` turns it into a `leveldb_writebatch_t` only when it is written.
///
/// Operations apply in order, so a later operation on the same key wins, as in LevelDB.
public struct WriteBatch: Hashable, Sendable {
    public enum Operation: Hashable, Sendable {
        case put(key: [UInt8], value: [UInt8])
        case delete(key: [UInt8])

        public var key: [UInt8] {
            switch self {
            case .put(let key, _), .delete(let key): key
            }
        }
    }

    public private(set) var operations: [Operation]

    public init(_ operations: [Operation] = []) {
        self.operations = operations
    }

    public mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        operations.append(.put(key: key, value: value))
    }

    public mutating func delete(_ key: [UInt8]) {
        operations.append(.delete(key: key))
    }

    /// Appends `other`'s operations after this batch's.
    public mutating func append(contentsOf other: WriteBatch) {
        operations += other.operations
    }

    public mutating func reserveCapacity(_ count: Int) {
        operations.reserveCapacity(count)
    }

    public mutating func removeAll() {
        operations.removeAll(keepingCapacity: true)
    }

    public var count: Int { operations.count }
    public var isEmpty: Bool { operations.isEmpty }

    /// Sum of key and value lengths: what the batch adds to the log, less framing.
    public var payloadBytes: Int {
        operations.reduce(0) { total, operation in
            switch operation {
            case .put(let key, let value): total + key.count + value.count
            case .delete(let key): total + key.count
            }
        }
    }
}
