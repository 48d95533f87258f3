import Foundation
import Logging
import RFSKeyValue
import RFSNamespace
@testable import RFSNameNode
import RFSRaft
import Testing

/// The namespace's side of Raft snapshots: a LevelDB snapshot read as a stream of chunks and
/// written into a new store beside the one in use, byte for byte, with its marker.
@Suite("Namespace snapshots: stream and store")
struct NamespaceSnapshotTests {
    static let logger = Logger(label: "namespace-snapshot-test") { _ in SwiftLogNoOpLogHandler() }

    static func pairs(of store: LevelDBStore) throws -> [KeyValuePair] {
        try store.scan(prefix: [], start: .first, direction: .forward, limit: nil)
    }

    @Test("a store streamed in small chunks arrives whole in a new store, marked with its index and term")
    func roundTrip() async throws {
        let source = NamespaceEngineTests.temporaryDirectory()
        let target = NamespaceEngineTests.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: target)
        }
        let engine = try await NamespaceEngine.open(directory: source, configuration: NamespaceConfiguration(),
                                                    format: NamespaceEngineTests.format(), logger: Self.logger)
        for n in 0..<200 { _ = try await engine.propose(NamespaceEngineTests.mkdirs("/dir-\(n)/sub")) }

        let reader = try StoreSnapshotReader(store: engine.store)
        #expect(reader.index == engine.lastAppliedIndex)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let layout = NamespaceDirectory(root: target)
        let meta = SnapshotMeta(index: reader.index, term: 7, membership: Membership(voters: [1, 2, 3]))
        let writer = try StoreSnapshotWriter(directory: layout, meta: meta, options: .creatingIfMissing)
        var chunks = 0
        while let chunk = try reader.next(maxBytes: 256) {
            #expect(!chunk.isEmpty)
            try writer.write(chunk)
            chunks += 1
        }
        #expect(chunks > 20)
        try writer.finish(meta)

        let installed = layout.installedStore(index: meta.index)
        #expect(!FileManager.default.fileExists(atPath: layout.incomingStore(index: meta.index)))
        #expect(try layout.snapshotPoint(ofStore: installed)! == (meta.index, 7))
        let copy = try LevelDBStore(path: installed)
        #expect(try Self.pairs(of: copy) == Self.pairs(of: engine.store))
        copy.close()

        // Made current, it is what the next open uses; every other store there goes.
        try layout.switchCurrent(to: installed)
        #expect(try layout.currentStore() == installed)
        try FileManager.default.createDirectory(atPath: layout.incomingStore(index: 9), withIntermediateDirectories: true)
        layout.removeStores(except: installed, logger: Self.logger)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).sorted() == ["namespace-\(meta.index)", "namespace.current"])
        try await engine.close()
    }

    @Test("a stream that does not end on a pair, or a store at another index than announced, is refused")
    func refusals() async throws {
        #expect(throws: NamespaceSnapshotError.self) { try SnapshotStreamFormat.batch(from: [0, 0, 0, 5, 0, 0, 0, 1, 1, 2]) }
        #expect(throws: NamespaceSnapshotError.self) { try SnapshotStreamFormat.batch(from: [0, 0, 0]) }
        var bytes: [UInt8] = []
        SnapshotStreamFormat.append(key: [1, 2], value: [], to: &bytes)
        SnapshotStreamFormat.append(key: [], value: [3], to: &bytes)
        #expect(try SnapshotStreamFormat.batch(from: bytes).operations.count == 2)

        let source = NamespaceEngineTests.temporaryDirectory()
        let target = NamespaceEngineTests.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: target)
        }
        let engine = try await NamespaceEngine.open(directory: source, configuration: NamespaceConfiguration(),
                                                    format: NamespaceEngineTests.format(), logger: Self.logger)
        let reader = try StoreSnapshotReader(store: engine.store)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let layout = NamespaceDirectory(root: target)
        let announced = SnapshotMeta(index: reader.index + 1, term: 1, membership: Membership(voters: [1]))
        let writer = try StoreSnapshotWriter(directory: layout, meta: announced, options: .creatingIfMissing)
        while let chunk = try reader.next(maxBytes: 1 << 20) { try writer.write(chunk) }
        #expect(throws: NamespaceSnapshotError.self) { try writer.finish(announced) }
        writer.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
        try await engine.close()
    }
}
