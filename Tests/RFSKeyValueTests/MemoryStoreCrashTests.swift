import RFSKeyValue
import Testing

/// The twin's disk model: a crash keeps what was synced and loses the rest, deterministically.
@Suite("MemoryStore crashes")
struct MemoryStoreCrashTests {
    @Test("unsynced writes are lost by a crash")
    func unsyncedLost() throws {
        let store = MemoryStore()
        try store.put(b("a"), b("1"), sync: false)
        var batch = WriteBatch()
        batch.put(b("b"), b("2"))
        try store.write(batch, sync: false)
        #expect(store.unsyncedWriteCount == 2)
        let recovered = store.crash()
        #expect(try recovered.scan().isEmpty)
        #expect(recovered.unsyncedWriteCount == 0)
    }

    @Test("a sync makes it and every write before it survive; later ones are lost")
    func syncedSurvive() throws {
        let store = MemoryStore()
        try store.put(b("a"), b("1"), sync: false)
        try store.put(b("doomed"), b("x"), sync: false)
        try store.delete(b("doomed"), sync: false)
        try store.put(b("b"), b("2"), sync: true)
        try store.put(b("c"), b("3"), sync: false)
        try store.put(b("a"), b("overwritten"), sync: false)
        try store.delete(b("b"), sync: false)
        let recovered = store.crash()
        #expect(try recovered.scan() == [KeyValuePair(key: b("a"), value: b("1")), KeyValuePair(key: b("b"), value: b("2"))])
    }

    @Test("sync() with an empty batch makes earlier writes durable")
    func explicitSync() throws {
        let store = MemoryStore()
        try store.put(b("a"), b("1"), sync: false)
        try store.sync()
        #expect(store.unsyncedWriteCount == 0)
        #expect(try store.crash().get(b("a")) == b("1"))
    }

    @Test("a crash keeps a prefix of the unsynced writes, each batch whole", arguments: 0...3)
    func prefixSurvives(kept: Int) throws {
        let store = MemoryStore()
        try store.put(b("base"), b("0"), sync: true)
        try store.put(b("w1"), b("1"), sync: false)
        var batch = WriteBatch()
        batch.put(b("w2a"), b("2"))
        batch.delete(b("base"))
        batch.put(b("w2b"), b("2"))
        try store.write(batch, sync: false)
        try store.delete(b("w1"), sync: false)
        let recovered = store.crash(keepingUnsyncedWrites: kept)
        let expected: [[[UInt8]]] = [
            [b("base")],
            [b("base"), b("w1")],
            [b("w1"), b("w2a"), b("w2b")],
            [b("w2a"), b("w2b")],
        ]
        #expect(try recovered.scan().keys == expected[kept])
        // What a crash kept is durable now: a second crash keeps it.
        #expect(try recovered.crash().scan().keys == expected[kept])
    }

    @Test("a crashed store is closed; its successor works and crashes again")
    func crashedStoreIsClosed() throws {
        let store = MemoryStore()
        try store.put(b("a"), b("1"), sync: true)
        let next = store.crash()
        #expect(store.isClosed)
        let error = #expect(throws: KeyValueError.self) { try store.get(b("a")) }
        #expect(error?.kind == .closed)
        try next.put(b("b"), b("2"), sync: true)
        try next.put(b("c"), b("3"), sync: false)
        #expect(try next.crash().scan().keys == [b("a"), b("b")])
    }

    @Test("the disk outlives close: a closed store can still crash")
    func crashAfterClose() throws {
        let store = MemoryStore()
        try store.put(b("a"), b("1"), sync: true)
        try store.put(b("b"), b("2"), sync: false)
        store.close()
        #expect(try store.crash().scan().keys == [b("a")])
    }

    @Test("reopen keeps unsynced writes, which a later crash still loses")
    func reopenKeepsUnsynced() throws {
        let store = MemoryStore()
        try store.put(b("a"), b("1"), sync: true)
        try store.put(b("b"), b("2"), sync: false)
        let reopened = store.reopen()
        #expect(store.isClosed)
        #expect(try reopened.scan().keys == [b("a"), b("b")])
        #expect(reopened.unsyncedWriteCount == 1)
        #expect(try reopened.crash().scan().keys == [b("a")])
    }

    @Test("snapshots taken before a crash keep reading the old state")
    func snapshotAcrossCrash() throws {
        let store = MemoryStore()
        try store.put(b("a"), b("1"), sync: false)
        let snapshot = try store.snapshot()
        let recovered = store.crash()
        #expect(snapshot.get(b("a")) == b("1"))
        #expect(try recovered.get(b("a")) == nil)
    }

    @Test("crashing a store twice is a bug the twin stops at")
    func doubleCrash() async {
        await #expect(processExitsWith: .failure) {
            let store = MemoryStore()
            _ = store.crash()
            _ = store.crash()
        }
    }
}
