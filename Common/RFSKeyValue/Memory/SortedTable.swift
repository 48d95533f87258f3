/// Entries sorted by bytewise key order in one array. Lookups are a binary search (O(log n)
/// comparisons, each a memcmp); an insert or removal also shifts the entries after it (O(n)
/// moves of 16-byte entries, a memmove). Copies share storage until one is written (copy on
/// write), which is what makes snapshots and cursors O(1) to take: the first write to a table
/// while a snapshot or cursor shares it pays one O(n) copy.
struct SortedTable: Sendable {
    struct Entry: Sendable {
        var key: [UInt8]
        var value: [UInt8]
    }

    private(set) var entries: [Entry] = []

    var count: Int { entries.count }

    /// The index of the first entry whose key is at or after `key` (`count` if none).
    func lowerBound(_ key: [UInt8]) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = low + (high - low) / 2
            if BytewiseOrder.compare(entries[middle].key, key) < 0 {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    func get(_ key: [UInt8]) -> [UInt8]? {
        let index = lowerBound(key)
        guard index < entries.count, entries[index].key == key else { return nil }
        return entries[index].value
    }

    mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        let index = lowerBound(key)
        if index < entries.count, entries[index].key == key {
            entries[index].value = value
        } else {
            entries.insert(Entry(key: key, value: value), at: index)
        }
    }

    mutating func delete(_ key: [UInt8]) {
        let index = lowerBound(key)
        if index < entries.count, entries[index].key == key {
            entries.remove(at: index)
        }
    }

    mutating func apply(_ batch: WriteBatch) {
        for operation in batch.operations {
            switch operation {
            case .put(let key, let value): put(key, value)
            case .delete(let key): delete(key)
            }
        }
    }

    /// Sum of key and value lengths in `range`: O(log n) to find it, O(entries in it) to add up.
    func payloadBytes(in range: KeyRange) -> UInt64 {
        let first = lowerBound(range.start)
        let end = range.end.map(lowerBound) ?? entries.count
        guard first < end else { return 0 }
        return entries[first..<end].reduce(0) { $0 + UInt64($1.key.count + $1.value.count) }
    }
}
