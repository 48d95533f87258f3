import Foundation
import RFSKeyValue
import Testing

/// The contract of `KeyValueStore`, run on LevelDB and on the in-memory twin alike.
@Suite("KeyValueStore behaviour")
struct KeyValueBehaviourTests {
    @Test("put, get, overwrite and delete", arguments: Backend.allCases)
    func putGetDelete(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        #expect(try store.get(b("a")) == nil)
        try store.put(b("a"), b("1"), sync: false)
        #expect(try store.get(b("a")) == b("1"))
        try store.put(b("a"), b("2"), sync: false)
        #expect(try store.get(b("a")) == b("2"))
        try store.delete(b("a"), sync: false)
        #expect(try store.get(b("a")) == nil)
        try store.delete(b("never-there"), sync: false)
    }

    @Test("empty values, empty keys and binary bytes round-trip", arguments: Backend.allCases)
    func binaryBytes(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        let binary: [UInt8] = [0x00, 0xFF, 0x00, 0x7F, 0x80]
        try store.put(b("empty"), [], sync: false)
        try store.put([], b("empty key"), sync: false)
        try store.put(binary, binary + binary, sync: false)
        #expect(try store.get(b("empty")) == [])
        #expect(try store.get([]) == b("empty key"))
        #expect(try store.get(binary) == binary + binary)
        #expect(try store.get([0x00, 0xFF, 0x00]) == nil)
    }

    @Test("sync and non-sync writes are both visible at once", arguments: Backend.allCases)
    func syncAndAsync(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        try store.put(b("async"), b("1"), sync: false)
        try store.put(b("sync"), b("2"), sync: true)
        try store.delete(b("async"), sync: true)
        try store.put(b("later"), b("3"), sync: false)
        try store.sync()
        #expect(try store.get(b("async")) == nil)
        #expect(try store.get(b("sync")) == b("2"))
        #expect(try store.get(b("later")) == b("3"))
    }

    @Test("a batch applies its puts and deletes together, in order", arguments: Backend.allCases)
    func batch(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        try store.put(b("old"), b("x"), sync: false)
        try store.put(b("kept"), b("x"), sync: false)
        let before = try store.snapshot()

        var batch = WriteBatch()
        batch.put(b("new"), b("1"))
        batch.delete(b("old"))
        batch.put(b("twice"), b("first"))
        batch.put(b("twice"), b("second"))
        batch.put(b("gone"), b("1"))
        batch.delete(b("gone"))
        batch.delete(b("back"))
        batch.put(b("back"), b("1"))
        #expect(batch.count == 8)
        try store.write(batch, sync: true)

        #expect(try store.scan().map { String(decoding: $0.key, as: UTF8.self) } == ["back", "kept", "new", "twice"])
        #expect(try store.get(b("twice")) == b("second"))
        #expect(try store.get(b("old")) == nil)
        // A snapshot from before sees none of it.
        #expect(try before.scan().keys == [b("kept"), b("old")])

        try store.write(WriteBatch(), sync: true)
        #expect(try store.scan().count == 4)
    }

    @Test("a cursor walks every key in bytewise order, both ways", arguments: Backend.allCases)
    func forwardAndBackward(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        // Bytewise order: a key sorts before its extensions; 0xFF sorts last.
        let sorted: [[UInt8]] = [[0x00], [0x01], [0x01, 0x00], [0x01, 0xFF], [0x02], [0x7F], [0x80], [0xFF], [0xFF, 0xFF]]
        for (index, key) in sorted.reversed().enumerated() {
            try store.put(key, [UInt8(index)], sync: false)
        }
        let cursor = try store.makeCursor()
        #expect(!cursor.isValid)
        var forward: [[UInt8]] = []
        try cursor.seekToFirst()
        while cursor.isValid {
            forward.append(cursor.key)
            try cursor.next()
        }
        #expect(forward == sorted)

        var backward: [[UInt8]] = []
        try cursor.seekToLast()
        while cursor.isValid {
            backward.append(cursor.key)
            try cursor.prev()
        }
        #expect(backward == sorted.reversed())
    }

    @Test("seek lands on the key or the next one", arguments: Backend.allCases)
    func seek(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        for key in ["b", "d", "f"] {
            try store.put(b(key), b(key.uppercased()), sync: false)
        }
        let cursor = try store.makeCursor()
        try cursor.seek(b("d"))
        #expect(cursor.key == b("d"))
        #expect(cursor.value == b("D"))
        try cursor.seek(b("c"))
        #expect(cursor.key == b("d"))
        try cursor.seek(b("a"))
        #expect(cursor.key == b("b"))
        try cursor.prev()
        #expect(!cursor.isValid)
        try cursor.seek(b("g"))
        #expect(!cursor.isValid)
        try cursor.seek(b("f"))
        try cursor.next()
        #expect(!cursor.isValid)
    }

    @Test("an empty store has no first or last key", arguments: Backend.allCases)
    func emptyStore(backend: Backend) throws {
        let harness = try Harness(backend)
        let cursor = try harness.store.makeCursor()
        try cursor.seekToFirst()
        #expect(!cursor.isValid)
        try cursor.seekToLast()
        #expect(!cursor.isValid)
        #expect(try harness.store.scan(direction: .reverse).isEmpty)
        #expect(try harness.store.scan(prefix: b("x"), direction: .reverse).isEmpty)
    }

    @Test("a prefix scan returns exactly the prefix's keys, from a start, up to a limit", arguments: Backend.allCases)
    func prefixScan(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        for key in ["dir", "dir/", "dir/a", "dir/b", "dir/c", "dir0", "dis", "di"] {
            try store.put(b(key), b("v" + key), sync: false)
        }
        let all = try store.scan(prefix: b("dir/"))
        #expect(all.keys == [b("dir/"), b("dir/a"), b("dir/b"), b("dir/c")])
        #expect(all[1].value == b("vdir/a"))
        #expect(try store.scan(prefix: b("dir/"), start: .at(b("dir/b"))).keys == [b("dir/b"), b("dir/c")])
        #expect(try store.scan(prefix: b("dir/"), start: .after(b("dir/b"))).keys == [b("dir/c")])
        #expect(try store.scan(prefix: b("dir/"), start: .at(b("a"))).count == 4)
        #expect(try store.scan(prefix: b("dir/"), start: .at(b("z"))).isEmpty)
        #expect(try store.scan(prefix: b("dir/"), limit: 2).keys == [b("dir/"), b("dir/a")])
        #expect(try store.scan(prefix: b("dir/"), limit: 0).isEmpty)
        #expect(try store.scan(prefix: b("nothing")).isEmpty)
        #expect(try store.scan().count == 8)
    }

    @Test("paging with .after visits every key once, both ways", arguments: Backend.allCases)
    func paging(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        let keys = (0..<25).map { b("p/" + String(format: "%03d", $0)) }
        for key in keys { try store.put(key, key, sync: false) }
        try store.put(b("q"), b("outside"), sync: false)
        for direction in [ScanDirection.forward, .reverse] {
            var seen: [[UInt8]] = []
            var start = ScanStart.first
            while true {
                let page = try store.scan(prefix: b("p/"), start: start, direction: direction, limit: 7)
                seen += page.keys
                guard let last = page.last, page.count == 7 else { break }
                start = .after(last.key)
            }
            #expect(seen == (direction == .forward ? keys : keys.reversed()))
        }
    }

    @Test("a reverse prefix scan starts at the prefix's last key", arguments: Backend.allCases)
    func reversePrefixScan(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        for key in ["a", "b", "b/1", "b/2", "b/3", "b0", "c"] {
            try store.put(b(key), [], sync: false)
        }
        #expect(try store.scan(prefix: b("b/"), direction: .reverse).keys == [b("b/3"), b("b/2"), b("b/1")])
        #expect(try store.scan(prefix: b("b/"), start: .at(b("b/2")), direction: .reverse).keys == [b("b/2"), b("b/1")])
        #expect(try store.scan(prefix: b("b/"), start: .after(b("b/2")), direction: .reverse).keys == [b("b/1")])
        #expect(try store.scan(prefix: b("b/"), start: .at(b("b/25")), direction: .reverse).keys == [b("b/2"), b("b/1")])
        #expect(try store.scan(prefix: b("b/"), start: .at(b("z")), direction: .reverse, limit: 1).keys == [b("b/3")])
        #expect(try store.scan(prefix: b("c"), direction: .reverse).keys == [b("c")])
        #expect(try store.scan(direction: .reverse, limit: 2).keys == [b("c"), b("b0")])
        #expect(try store.scan(prefix: b("zz"), direction: .reverse).isEmpty)
    }

    @Test("a reverse scan of a prefix ending in 0xFF skips the keys after it", arguments: Backend.allCases)
    func reversePrefixScanWithFF(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        let keys: [[UInt8]] = [
            [0x01, 0xFE, 0xFF], [0x01, 0xFF], [0x01, 0xFF, 0x00], [0x01, 0xFF, 0xFF], [0x01, 0xFF, 0xFF, 0x01],
            [0x02], [0x02, 0x00], [0xFF], [0xFF, 0xFF], [0xFF, 0xFF, 0x10],
        ]
        for key in keys { try store.put(key, key, sync: false) }
        #expect(
            try store.scan(prefix: [0x01, 0xFF], direction: .reverse).keys
                == [[0x01, 0xFF, 0xFF, 0x01], [0x01, 0xFF, 0xFF], [0x01, 0xFF, 0x00], [0x01, 0xFF]])
        #expect(
            try store.scan(prefix: [0x01, 0xFF, 0xFF], direction: .reverse).keys
                == [[0x01, 0xFF, 0xFF, 0x01], [0x01, 0xFF, 0xFF]])
        // All 0xFF: no successor exists, so the scan starts from the very last key.
        #expect(try store.scan(prefix: [0xFF, 0xFF], direction: .reverse).keys == [[0xFF, 0xFF, 0x10], [0xFF, 0xFF]])
        #expect(try store.scan(prefix: [0xFF], direction: .reverse).keys == [[0xFF, 0xFF, 0x10], [0xFF, 0xFF], [0xFF]])
        #expect(try store.scan(prefix: [0x01, 0xFF]).count == 4)
    }

    @Test("snapshots and cursors do not see later writes", arguments: Backend.allCases)
    func snapshotIsolation(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        try store.put(b("a"), b("1"), sync: false)
        try store.put(b("b"), b("1"), sync: false)
        let snapshot = try store.snapshot()
        let cursor = try store.makeCursor()

        try store.put(b("a"), b("2"), sync: false)
        try store.delete(b("b"), sync: false)
        try store.put(b("c"), b("2"), sync: true)

        #expect(try snapshot.get(b("a")) == b("1"))
        #expect(try snapshot.get(b("b")) == b("1"))
        #expect(try snapshot.get(b("c")) == nil)
        #expect(try snapshot.scan() == [KeyValuePair(key: b("a"), value: b("1")), KeyValuePair(key: b("b"), value: b("1"))])
        let snapshotCursor = try snapshot.makeCursor()
        try snapshotCursor.seekToLast()
        #expect(snapshotCursor.key == b("b"))
        try cursor.seekToFirst()
        #expect(cursor.value == b("1"))
        try cursor.next()
        #expect(cursor.key == b("b"))
        try cursor.next()
        #expect(!cursor.isValid)

        #expect(try store.scan().keys == [b("a"), b("c")])
    }

    @Test("approximate sizes see about 1 MB after compaction", arguments: Backend.allCases)
    func approximateSizes(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        var random = SeededGenerator(seed: 7)
        for index in 0..<256 {
            try store.put(b("big/" + String(format: "%04d", index)), random.bytes(4096), sync: false)
        }
        try store.put(b("small"), b("x"), sync: false)
        // LevelDB counts only table files, so push the memtable out first.
        try store.compact(.all)
        let sizes = try store.approximateSizes(of: [.all, .prefix(b("big/")), KeyRange(start: b("c"), end: b("d")), KeyRange(start: b("big/0128"))])
        #expect(sizes[0] > 900_000 && sizes[0] < 1_300_000, "all keys: \(sizes[0])")
        #expect(sizes[1] > 900_000, "prefix big/: \(sizes[1])")
        // LevelDB measures at block granularity (offsets of index entries), so a range with no
        // keys can still cover one block (4 KiB) next to a shortened separator key.
        #expect(sizes[2] < 16_384, "an empty range: \(sizes[2])")
        #expect(sizes[3] > 300_000 && sizes[3] < 800_000, "the upper half: \(sizes[3])")
        #expect(try store.approximateSize(of: .all) == sizes[0])
    }

    @Test("compaction keeps live data and drops nothing else", arguments: Backend.allCases)
    func compaction(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        var random = SeededGenerator(seed: 11)
        for round in 0..<3 {
            for index in 0..<300 {
                try store.put(b("k" + String(format: "%03d", index)), random.bytes(100) + [UInt8(round)], sync: false)
            }
        }
        for index in stride(from: 0, to: 300, by: 2) {
            try store.delete(b("k" + String(format: "%03d", index)), sync: false)
        }
        try store.compact(KeyRange(start: b("k100"), end: b("k200")))
        try store.compact(.all)
        let remaining = try store.scan()
        #expect(remaining.count == 150)
        #expect(remaining.allSatisfy { $0.value.last == 2 })
        #expect(try store.get(b("k001"))?.count == 101)
        #expect(try store.get(b("k002")) == nil)
    }

    @Test("data survives close and reopen", arguments: Backend.allCases)
    func reopen(backend: Backend) throws {
        let harness = try Harness(backend)
        try harness.store.put(b("synced"), b("1"), sync: true)
        try harness.store.put(b("unsynced"), b("2"), sync: false)
        var batch = WriteBatch()
        batch.put(b("batched"), b("3"))
        try harness.store.write(batch, sync: false)
        try harness.reopen()
        #expect(try harness.store.scan().keys == [b("batched"), b("synced"), b("unsynced")])
        try harness.store.put(b("after"), b("4"), sync: false)
        try harness.reopen()
        #expect(try harness.store.get(b("after")) == b("4"))
    }

    @Test("a closed store refuses calls; its snapshots and cursors keep working", arguments: Backend.allCases)
    func closed(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        try store.put(b("a"), b("1"), sync: false)
        let snapshot = try store.snapshot()
        let cursor = try store.makeCursor()
        store.close()
        store.close()
        let error = #expect(throws: KeyValueError.self) { try store.get(b("a")) }
        #expect(error?.kind == .closed)
        #expect(error?.operation == .get)
        #expect(throws: KeyValueError.self) { try store.put(b("b"), b("2"), sync: true) }
        #expect(throws: KeyValueError.self) { try store.write(WriteBatch(), sync: true) }
        #expect(throws: KeyValueError.self) { try store.makeCursor() }
        #expect(throws: KeyValueError.self) { try store.snapshot() }
        #expect(throws: KeyValueError.self) { try store.compact(.all) }
        #expect(try snapshot.get(b("a")) == b("1"))
        try cursor.seekToFirst()
        #expect(cursor.key == b("a"))
    }

    @Test("many threads write and read one store at once", arguments: Backend.allCases)
    func concurrentUse(backend: Backend) throws {
        let harness = try Harness(backend)
        let store = harness.store
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            do {
                for index in 0..<200 {
                    let key = b("t\(thread)/\(String(format: "%03d", index))")
                    try store.put(key, key, sync: index % 50 == 0)
                    guard try store.get(key) == key else { return failures.record("lost \(key)") }
                    if index % 20 == 0 { _ = try store.snapshot().scan(prefix: b("t\(thread)/")) }
                }
            } catch {
                failures.record("\(error)")
            }
        }
        #expect(failures.messages.isEmpty)
        #expect(try store.scan().count == 1600)
    }
}

/// Collects failures from threads that cannot call `#expect` themselves.
private final class Failures: Sendable {
    private let lock = NSLock()
    // nonisolated(unsafe) is safe: `stored` is only touched while holding `lock`.
    nonisolated(unsafe) private var stored: [String] = []

    func record(_ message: String) {
        lock.withLock { stored.append(message) }
    }

    var messages: [String] { lock.withLock { stored } }
}
