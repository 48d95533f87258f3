import Foundation
import RFSBlockStorage
@testable import RFSDataNode
import Testing

/// Block recovery on the datanode: the holder's two steps on a real volume, and the primary's
/// choice of length.
@Suite struct BlockRecoveryTests {
    typealias Candidate = ReplicaCatalog.RecoveryCandidate

    static func found(_ node: Int, _ state: ReplicaState, _ length: Int64) -> BlockRecovery.Found {
        BlockRecovery.Found(node: node, replica: Candidate(state: state, generationStamp: 5, lengthBytes: length))
    }

    @Test func theShortestReplicaBeingWrittenBoundsTheLength() throws {
        let plan = try BlockRecovery.plan([Self.found(0, .rbw, 9000), Self.found(1, .rbw, 8192), Self.found(2, .rbw, 9100)])
        #expect(plan == .keep(length: 8192, nodes: [0, 1, 2]))
    }

    @Test func aFinalizedReplicaFixesTheLengthAndShorterOnesDrop() throws {
        let plan = try BlockRecovery.plan([Self.found(0, .rbw, 100), Self.found(1, .finalized, 700), Self.found(2, .rbw, 700)])
        #expect(plan == .keep(length: 700, nodes: [1, 2]))
        #expect(throws: BlockRecovery.Failure.self) {
            _ = try BlockRecovery.plan([Self.found(0, .finalized, 100), Self.found(1, .finalized, 700)])
        }
    }

    @Test func noReplicaAnywhereDeletesTheBlockAndATruncateNamesItsLength() throws {
        #expect(try BlockRecovery.plan([]) == .deleteBlock)
        let plan = try BlockRecovery.plan([Self.found(0, .finalized, 4096), Self.found(2, .finalized, 4096)], truncateTo: 1000)
        #expect(plan == .keep(length: 1000, nodes: [0, 2]))
    }

    @Test func anRbwReplicaIsCutMidChunkStampedAndFinalized() async throws {
        try await ReplicaCatalogTests.withCatalog { catalog, _ in
            let bytes = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let writer = try catalog.create(blockID: 21, generationStamp: 5, expectedBytes: 4096, checksum: .hdfsDefault)
            try writer.append(bytes)
            try writer.close()
            catalog.writerClosed(blockID: 21, replica: writer.replica)
            _ = catalog.takeChanges()

            let candidate = try await catalog.startRecovery(blockID: 21, generationStamp: 5, recoveryID: 9)
            #expect(candidate == Candidate(state: .rbw, generationStamp: 5, lengthBytes: 3000))
            // Held: no pipeline may take it, and an older recovery is refused.
            #expect(throws: ReplicaCatalogError.self) {
                _ = try catalog.append(blockID: 21, generationStamp: 5, newGenerationStamp: 6)
            }
            await #expect(throws: ReplicaCatalogError.self) {
                _ = try await catalog.startRecovery(blockID: 21, generationStamp: 5, recoveryID: 8)
            }
            #expect(throws: ReplicaCatalogError.self) { _ = try catalog.finishRecovery(blockID: 21, recoveryID: 8, newLength: 10) }

            _ = try catalog.finishRecovery(blockID: 21, recoveryID: 9, newLength: 1234)
            let (replica, visible) = try catalog.replicaForRead(blockID: 21, generationStamp: 9)
            #expect(replica.state == .finalized && replica.generationStamp == 9 && visible == 1234)
            let reader = try ReplicaReader(replica)
            defer { reader.close() }
            #expect(reader.lengthBytes == 1234)
            try reader.verifyAll()
            #expect(try reader.readVerified(offset: 0, length: 1234).data == Array(bytes[..<1234]))
            let changes = catalog.takeChanges()
            #expect(changes.map(\.kind) == [.received] && changes.first?.generationStamp == 9 && changes.first?.lengthBytes == 1234)
            // Recovered, it is an ordinary finalized replica again.
            let appender = try catalog.append(blockID: 21, generationStamp: 9, newGenerationStamp: 10)
            try appender.close()
        }
    }

    @Test func aFinalizedReplicaKeepsItsBytesUnderTheNewStamp() async throws {
        try await ReplicaCatalogTests.withCatalog { catalog, _ in
            let writer = try catalog.create(blockID: 4, generationStamp: 2, expectedBytes: 1, checksum: .hdfsDefault)
            try writer.append(Array(repeating: 3, count: 513))
            catalog.writerClosed(blockID: 4, replica: try writer.finalize())
            #expect(try await catalog.startRecovery(blockID: 4, generationStamp: 3, recoveryID: 7) == nil)  // stale: older than the namenode's stamp
            #expect(try await catalog.startRecovery(blockID: 99, generationStamp: 1, recoveryID: 7) == nil)  // no replica
            #expect(try await catalog.startRecovery(blockID: 4, generationStamp: 2, recoveryID: 7)?.lengthBytes == 513)
            _ = try catalog.finishRecovery(blockID: 4, recoveryID: 7, newLength: 513)
            let (replica, _) = try catalog.replicaForRead(blockID: 4, generationStamp: 7)
            let reader = try ReplicaReader(replica)
            defer { reader.close() }
            try reader.verifyAll()
            #expect(replica.lengthBytes == 513 && replica.generationStamp == 7)
        }
    }

    @Test func recoveryWaitsForAWriterThenGivesUp() async throws {
        try await ReplicaCatalogTests.withCatalog { catalog, _ in
            let writer = try catalog.create(blockID: 8, generationStamp: 1, expectedBytes: 1, checksum: .hdfsDefault)
            try writer.append([1, 2, 3])
            await #expect(throws: ReplicaCatalogError.self) {
                _ = try await catalog.startRecovery(blockID: 8, generationStamp: 1, recoveryID: 2, writerGrace: .milliseconds(200))
            }
            try writer.close()
            catalog.writerClosed(blockID: 8, replica: writer.replica)
            #expect(try await catalog.startRecovery(blockID: 8, generationStamp: 1, recoveryID: 2)?.lengthBytes == 3)
        }
    }
}
