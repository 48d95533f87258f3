import RFSKeyValue
import Testing

/// LevelDB and the twin, fed the same seeded random operations, must agree on every read.
@Suite("LevelDB and MemoryStore agree")
struct DifferentialTests {
    @Test("random writes, scans and snapshots", arguments: [1, 2, 3] as [UInt64])
    func agree(seed: UInt64) throws {
        let leveldbHarness = try Harness(.leveldb)
        let memoryHarness = try Harness(.memory)
        var random = SeededGenerator(seed: seed)
        // A small alphabet with 0x00 and 0xFF makes prefixes, extensions and edges collide.
        let alphabet: [UInt8] = [0x00, 0x01, 0x61, 0xFE, 0xFF]
        func randomKey() -> [UInt8] {
            (0..<Int.random(in: 0...4, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
        }
        var snapshots: [(any KeyValueSnapshot, any KeyValueSnapshot)] = []

        for step in 0..<1500 {
            let stores = [leveldbHarness.store, memoryHarness.store]
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                let (key, value) = (randomKey(), random.bytes(Int.random(in: 0...8, using: &random)))
                for store in stores { try store.put(key, value, sync: false) }
            case 5..<7:
                let key = randomKey()
                for store in stores { try store.delete(key, sync: false) }
            case 7:
                var batch = WriteBatch()
                for _ in 0..<Int.random(in: 0...5, using: &random) {
                    if Bool.random(using: &random) { batch.put(randomKey(), random.bytes(3)) } else { batch.delete(randomKey()) }
                }
                for store in stores { try store.write(batch, sync: Bool.random(using: &random)) }
            case 8:
                snapshots.append((try stores[0].snapshot(), try stores[1].snapshot()))
                if snapshots.count > 4 { snapshots.removeFirst() }
            default:
                let request = ScanRequest(
                    prefix: randomKey(),
                    start: [ScanStart.first, .at(randomKey()), .after(randomKey())].randomElement(using: &random)!,
                    direction: Bool.random(using: &random) ? .forward : .reverse,
                    limit: Bool.random(using: &random) ? nil : Int.random(in: 0...5, using: &random))
                let key = randomKey()
                #expect(try stores[0].scan(request) == stores[1].scan(request), "seed \(seed) step \(step) \(request)")
                #expect(try stores[0].get(key) == stores[1].get(key), "seed \(seed) step \(step)")
                for (fromLevelDB, fromMemory) in snapshots {
                    #expect(try fromLevelDB.scan(request) == fromMemory.scan(request), "seed \(seed) step \(step) snapshot")
                }
            }
            if step == 750 { try leveldbHarness.store.compact(.all) }
        }
        #expect(try leveldbHarness.store.scan() == memoryHarness.store.scan())
    }
}
