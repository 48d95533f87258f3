import Foundation
import Logging
import RFSBlockStorage
import RFSChecksum
import RFSDataNode
import Testing

@Suite struct ReplicaCatalogTests {
    static func withCatalog(_ body: (ReplicaCatalog, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-catalog-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let volume = try StorageVolume(path: directory, blockPoolID: "BP-test")
        let catalog = ReplicaCatalog(volumes: VolumeSet(volumes: [volume]), logger: Logger(label: "test"))
        try await body(catalog, directory)
    }

    @Test func createWriteFinalizeThenReadAndReport() async throws {
        try await Self.withCatalog { catalog, _ in
            let writer = try catalog.create(blockID: 7, generationStamp: 1001, expectedBytes: 4096, checksum: .hdfsDefault)
            try writer.append(Array(repeating: 0xAB, count: 1500))
            catalog.setVisibleLength(blockID: 7, 1500)
            #expect(try catalog.replicaForRead(blockID: 7, generationStamp: 1001).visibleLength == 1500)
            catalog.writerClosed(blockID: 7, replica: try writer.finalize())

            let (replica, visible) = try catalog.replicaForRead(blockID: 7, generationStamp: 1001)
            #expect(replica.state == .finalized && visible == 1500 && replica.lengthBytes == 1500)
            #expect(catalog.takeChanges().map(\.kind) == [.receiving, .received])
            #expect(catalog.report().flatMap(\.replicas).map(\.blockID) == [7])
        }
    }

    @Test func refusesASecondCreateOfAFinalizedBlockAndAStaleRead() async throws {
        try await Self.withCatalog { catalog, _ in
            let writer = try catalog.create(blockID: 9, generationStamp: 5, expectedBytes: 1, checksum: .hdfsDefault)
            try writer.append([1, 2, 3])
            catalog.writerClosed(blockID: 9, replica: try writer.finalize())
            #expect(throws: ReplicaCatalogError.self) {
                _ = try catalog.create(blockID: 9, generationStamp: 5, expectedBytes: 1, checksum: .hdfsDefault)
            }
            #expect(throws: ReplicaCatalogError.self) { _ = try catalog.replicaForRead(blockID: 9, generationStamp: 6) }
            #expect(throws: ReplicaCatalogError.self) { _ = try catalog.replicaForRead(blockID: 10, generationStamp: 1) }
        }
    }

    @Test func appendReopensUnderTheNewStampAndKeepsTheBytes() async throws {
        try await Self.withCatalog { catalog, _ in
            let first = try catalog.create(blockID: 3, generationStamp: 10, expectedBytes: 1, checksum: .hdfsDefault)
            try first.append(Array(repeating: 1, count: 700))
            catalog.writerClosed(blockID: 3, replica: try first.finalize())

            let writer = try catalog.append(blockID: 3, generationStamp: 10, newGenerationStamp: 11)
            #expect(writer.lengthBytes == 700 && writer.generationStamp == 11)
            try writer.append(Array(repeating: 2, count: 300))
            catalog.writerClosed(blockID: 3, replica: try writer.finalize())

            let (replica, _) = try catalog.replicaForRead(blockID: 3, generationStamp: 11)
            let reader = try ReplicaReader(replica)
            defer { reader.close() }
            let range = try reader.readVerified(offset: 0, length: 1000)
            #expect(range.data == Array(repeating: 1, count: 700) + Array(repeating: 2, count: 300))
        }
    }

    @Test func recoveryBumpsTheStampOfAnRbwReplica() async throws {
        try await Self.withCatalog { catalog, _ in
            let writer = try catalog.create(blockID: 4, generationStamp: 20, expectedBytes: 1, checksum: .hdfsDefault)
            try writer.append(Array(repeating: 9, count: 2048))
            try writer.close()
            catalog.writerClosed(blockID: 4, replica: writer.replica)

            let recovered = try await catalog.recover(blockID: 4, generationStamp: 20, newGenerationStamp: 21, minBytes: 1024)
            #expect(recovered.generationStamp == 21 && recovered.lengthBytes == 2048)
            #expect(recovered.replica.metaPath.hasSuffix("blk_4_21.meta"))
        }
    }

    @Test func invalidateDeletesFilesAndReportsTheDeletion() async throws {
        try await Self.withCatalog { catalog, _ in
            let writer = try catalog.create(blockID: 12, generationStamp: 1, expectedBytes: 1, checksum: .hdfsDefault)
            try writer.append([1])
            let replica = try writer.finalize()
            catalog.writerClosed(blockID: 12, replica: replica)
            _ = catalog.takeChanges()
            catalog.invalidate([(id: 12, generationStamp: 1)])
            #expect(!FileManager.default.fileExists(atPath: replica.blockPath))
            #expect(!FileManager.default.fileExists(atPath: replica.metaPath))
            #expect(catalog.takeChanges().map(\.kind) == [.deleted])
            #expect(catalog.replicaCount == 0)
        }
    }

    @Test func aRestartFindsFinalizedAndRbwReplicas() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-catalog-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let volume = try StorageVolume(path: directory, blockPoolID: "BP-test")
            let catalog = ReplicaCatalog(volumes: VolumeSet(volumes: [volume]), logger: Logger(label: "test"))
            let done = try catalog.create(blockID: 1, generationStamp: 1, expectedBytes: 1, checksum: .hdfsDefault)
            try done.append(Array(repeating: 5, count: 100))
            catalog.writerClosed(blockID: 1, replica: try done.finalize())
            let open = try catalog.create(blockID: 2, generationStamp: 1, expectedBytes: 1, checksum: .hdfsDefault)
            try open.append(Array(repeating: 6, count: 1024))
            try open.close()
            // Leaving the scope releases the catalog, its volumes and their locks.
        }
        let volume = try StorageVolume(path: directory, blockPoolID: "BP-test")
        let catalog = ReplicaCatalog(volumes: VolumeSet(volumes: [volume]), logger: Logger(label: "test"))
        let states = Dictionary(uniqueKeysWithValues: catalog.report().flatMap(\.replicas).map { ($0.blockID, $0.state) })
        #expect(states == [1: .finalized, 2: .rbw])
        #expect(try catalog.replicaForRead(blockID: 2, generationStamp: 1).visibleLength == 1024)
    }

    @Test func aFailedVolumeIsDroppedWithItsReplicasAndNewReplicasGoElsewhere() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-catalog-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let catalog = ReplicaCatalog(volumes: VolumeSet(volumes: [try StorageVolume(path: base + "/a", blockPoolID: "BP-test"),
                                                                  try StorageVolume(path: base + "/b", blockPoolID: "BP-test")]),
                                     failedAtStart: [(path: base + "/c", reason: "unreadable")], logger: Logger(label: "test"))
        let writer = try catalog.create(blockID: 1, generationStamp: 1, expectedBytes: 1, checksum: .hdfsDefault)
        try writer.append([1, 2, 3])
        catalog.writerClosed(blockID: 1, replica: try writer.finalize())
        let failedPath = catalog.report().first { !$0.replicas.isEmpty }!.storageID
        _ = catalog.takeChanges()

        #expect(catalog.failVolume(holding: 1, error: .io(operation: "pwrite", path: "x", code: 5)))
        #expect(catalog.replicaCount == 0)
        #expect(catalog.takeChanges().map(\.kind) == [.deleted])
        let usage = catalog.volumeUsage()
        #expect(usage.usage.count == 1 && usage.usage[0].storageID != failedPath)
        #expect(usage.failed.map(\.path).contains(base + "/c") && usage.failed.count == 2)
        let next = try catalog.create(blockID: 2, generationStamp: 1, expectedBytes: 1, checksum: .hdfsDefault)
        #expect(next.replica.blockPath.hasPrefix(usage.usage[0].path))
        next.abort()
    }
}
