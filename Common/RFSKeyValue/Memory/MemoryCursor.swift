/// A cursor over a `MemoryStore`'s table as it was when the cursor was made. Not thread-safe,
/// like `LevelDBCursor`.
public final class MemoryCursor: KeyValueCursor {
    private let table: SortedTable
    /// `table.count` or -1 when not at an entry.
    private var index = -1

    init(table: SortedTable) {
        self.table = table
    }

    public var isValid: Bool {
        index >= 0 && index < table.count
    }

    public var key: [UInt8] {
        precondition(isValid, "MemoryCursor.key needs a valid cursor")
        return table.entries[index].key
    }

    public var value: [UInt8] {
        precondition(isValid, "MemoryCursor.value needs a valid cursor")
        return table.entries[index].value
    }

    public func seek(_ target: [UInt8]) {
        index = table.lowerBound(target)
    }

    public func seekToFirst() {
        index = table.count > 0 ? 0 : -1
    }

    public func seekToLast() {
        index = table.count - 1
    }

    public func next() {
        precondition(isValid, "MemoryCursor.next needs a valid cursor")
        index += 1
    }

    public func prev() {
        precondition(isValid, "MemoryCursor.prev needs a valid cursor")
        index -= 1
    }
}

/// A `MemoryStore` snapshot: a copy-on-write copy of its table.
public final class MemorySnapshot: KeyValueSnapshot {
    private let table: SortedTable

    init(table: SortedTable) {
        self.table = table
    }

    public func get(_ key: [UInt8]) -> [UInt8]? {
        table.get(key)
    }

    public func makeCursor() -> MemoryCursor {
        MemoryCursor(table: table)
    }
}
