import Foundation
import Glibc
import RFSChecksum
import Testing
@testable import RFSBlockStorage

/// A fresh temporary directory, removed when the test's scope ends.
final class TemporaryDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "rfs-blockstorage-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func pattern(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

func fileBytes(_ path: String) -> [UInt8] {
    [UInt8](FileManager.default.contents(atPath: path) ?? Data())
}

func writeBytes(_ bytes: [UInt8], to path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

let pool = "BP-1-127.0.0.1-1700000000000"

@Suite("layout")
struct LayoutTests {
    @Test("subdir indexes follow DatanodeUtil.idToBlockDir")
    func subdirs() {
        let layout = BlockPoolLayout(volumeRoot: "/data/1", blockPoolID: pool)
        #expect(layout.finalizedDirectory(blockID: 1_073_741_825)
            == "/data/1/current/\(pool)/current/finalized/subdir0/subdir0")
        // 0x12_34_56: (>>16)&0x1F = 0x12 = 18, (>>8)&0x1F = 0x34 & 0x1F = 20
        #expect(BlockPoolLayout.subdirIndexes(blockID: 0x123456) == (18, 20))
        #expect(BlockPoolLayout.subdirIndexes(blockID: 0x1F1F00) == (31, 31))
        #expect(BlockPoolLayout.subdirIndexes(blockID: -1) == (31, 31))
        let paths = layout.paths(blockID: 0x123456, generationStamp: 1001, state: .finalized)
        #expect(paths.block == "/data/1/current/\(pool)/current/finalized/subdir18/subdir20/blk_1193046")
        #expect(paths.meta == "/data/1/current/\(pool)/current/finalized/subdir18/subdir20/blk_1193046_1001.meta")
        #expect(layout.paths(blockID: 5, generationStamp: 9, state: .rbw).meta
            == "/data/1/current/\(pool)/current/rbw/blk_5_9.meta")
        #expect(BlockPoolLayout.parse(fileName: "blk_-42_7.meta") == .meta(blockID: -42, generationStamp: 7))
        #expect(BlockPoolLayout.parse(fileName: "blk_-42") == .block(blockID: -42))
    }

    @Test("meta header bytes are exact")
    func metaHeader() {
        #expect(BlockMetadataHeader(checksum: .hdfsDefault).encoded() == [0x00, 0x01, 0x02, 0x00, 0x00, 0x02, 0x00])
        #expect(BlockMetadataHeader(checksum: ChunkedChecksum(type: .crc32, bytesPerChecksum: 65536)).encoded()
            == [0x00, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00])
        #expect(BlockMetadataHeader.decode([0x00, 0x01, 0x02, 0x00, 0x00, 0x02, 0x00])
            == .success(BlockMetadataHeader(checksum: .hdfsDefault)))
        #expect(BlockMetadataHeader.decode([0x00, 0x02, 0x02, 0x00, 0x00, 0x02, 0x00]) == .failure(.unknownVersion(2)))
        #expect(BlockMetadataHeader.decode([0x00, 0x01, 0x09, 0x00, 0x00, 0x02, 0x00]) == .failure(.unknownChecksumType(9)))
    }
}

@Suite("replicas")
struct ReplicaTests {
    @Test("write, finalize, read back and verify", arguments: [0, 1, 511, 512, 513, 1024 * 1024 + 7])
    func roundTrip(size: Int) throws {
        let directory = TemporaryDirectory()
        let volume = try StorageVolume(path: directory.path, blockPoolID: pool)
        let data = pattern(size)
        let writer = try volume.createReplica(blockID: 1_073_741_825 + Int64(size), generationStamp: 1001)
        // In uneven packets, so partial last chunks are extended.
        var offset = 0
        var step = 700
        while offset < size {
            let end = min(size, offset + step)
            try writer.append(Array(data[offset..<end]))
            try writer.flush()
            offset = end
            step = step == 700 ? 65536 : 700
        }
        let replica = try writer.finalize(length: size)
        #expect(replica.lengthBytes == size)
        #expect(replica.blockPath.contains("/finalized/subdir"))
        #expect(fileBytes(replica.blockPath) == data)
        let meta = fileBytes(replica.metaPath)
        #expect(Array(meta.prefix(7)) == [0, 1, 2, 0, 0, 2, 0])
        #expect(Array(meta.dropFirst(7)) == ChunkedChecksum.hdfsDefault.compute(data))
        let reader = try ReplicaReader(replica)
        try reader.verifyAll()
        let all = try reader.readVerified(offset: 0, length: size)
        #expect(all.data == data)
        let span = try reader.fileSpan(offset: 0, length: size + 100)
        #expect(span.lengthBytes == size && span.descriptor >= 0)
        let report = try volume.scan()
        #expect(report.finalized.map(\.lengthBytes) == [size])
        #expect(report.corrupt.isEmpty)
    }

    @Test("precomputed sums are written as given, chunk-aligned only")
    func precomputedSums() throws {
        let directory = TemporaryDirectory()
        let volume = try StorageVolume(path: directory.path, blockPoolID: pool)
        let data = pattern(1024)
        let sums = ChunkedChecksum.hdfsDefault.compute(data)
        let writer = try volume.createReplica(blockID: 77, generationStamp: 1)
        try data.withUnsafeBytes { d in try sums.withUnsafeBytes { s in try writer.append(d, sums: s, verify: true) } }
        try writer.append([1, 2, 3])
        #expect(throws: BlockStorageError.unalignedAppend(blockID: 77, lengthBytes: 1027, bytesPerChecksum: 512)) {
            try data.withUnsafeBytes { d in try sums.withUnsafeBytes { s in try writer.append(d, sums: s) } }
        }
        let replica = try writer.finalize()
        try ReplicaReader(replica).verifyAll()
    }

    @Test("a flipped data byte fails verification naming its chunk")
    func flippedByte() throws {
        let directory = TemporaryDirectory()
        let volume = try StorageVolume(path: directory.path, blockPoolID: pool)
        let writer = try volume.createReplica(blockID: 9, generationStamp: 3)
        try writer.append(pattern(4000))
        let replica = try writer.finalize()
        var bytes = fileBytes(replica.blockPath)
        bytes[1536 + 17] ^= 0xFF
        writeBytes(bytes, to: replica.blockPath)
        let reader = try ReplicaReader(replica)
        do {
            try reader.verifyAll()
            Issue.record("verification passed on a corrupt replica")
        } catch {
            guard case let .checksumMismatch(blockID, _, mismatch) = error else {
                Issue.record("unexpected \(error)"); return
            }
            #expect(blockID == 9)
            #expect(mismatch.chunkOffset == 1536)
        }
        // A read of clean chunks still succeeds.
        #expect(try reader.readVerified(offset: 0, length: 1536).data.count == 1536)
    }
}

@Suite("scan and recovery")
struct ScanTests {
    @Test("rbw recovery cuts a tail without its checksum", arguments: [false, true])
    func tornWrite(garbage: Bool) throws {
        let directory = TemporaryDirectory()
        var replica: ReplicaInfo
        do {
            let volume = try StorageVolume(path: directory.path, blockPoolID: pool)
            let writer = try volume.createReplica(blockID: 12, generationStamp: 5)
            try writer.append(pattern(3 * 512))
            try writer.close()
            replica = writer.replica
        }
        var block = fileBytes(replica.blockPath)
        if garbage {
            // A fourth chunk with a sum that does not match it.
            block += pattern(512, seed: 99)
            writeBytes(fileBytes(replica.metaPath) + [0xDE, 0xAD, 0xBE, 0xEF], to: replica.metaPath)
        } else {
            block += pattern(256, seed: 1)  // half a chunk, no sum
        }
        writeBytes(block, to: replica.blockPath)
        let volume = try StorageVolume(path: directory.path, blockPoolID: pool)
        let report = try volume.scan()
        #expect(report.recovered.count == 1)
        let recovered = try #require(report.recovered.first)
        #expect(recovered.replica.lengthBytes == 1536)
        #expect(recovered.bytesCut == (garbage ? 512 : 256))
        #expect(fileBytes(replica.blockPath).count == 1536)
        #expect(fileBytes(replica.metaPath).count == 7 + 3 * 4)
        // The recovered replica can be reopened and extended.
        let writer = try volume.reopenReplica(recovered.replica)
        try writer.append(pattern(100))
        let finalized = try writer.finalize()
        try ReplicaReader(finalized).verifyAll()
    }

    @Test("an rbw replica ending in a partial chunk keeps it when it verifies")
    func partialChunkKept() throws {
        let directory = TemporaryDirectory()
        let volume = try StorageVolume(path: directory.path, blockPoolID: pool)
        let writer = try volume.createReplica(blockID: 13, generationStamp: 5)
        try writer.append(pattern(1000))
        try writer.close()
        let report = try volume.scan()
        #expect(report.recovered.first?.replica.lengthBytes == 1000)
        #expect(report.recovered.first?.bytesCut == 0)
    }

    @Test("bad meta headers, missing meta files and temp files are reported, not fatal")
    func corrupt() throws {
        let directory = TemporaryDirectory()
        let volume = try StorageVolume(path: directory.path, blockPoolID: pool)
        let good = try volume.createReplica(blockID: 1, generationStamp: 1)
        try good.append(pattern(600))
        _ = try good.finalize()
        let bad = try volume.createReplica(blockID: 2, generationStamp: 1)
        try bad.append(pattern(600))
        let badReplica = try bad.finalize()
        writeBytes([0x00, 0x07, 0x02, 0, 0, 2, 0], to: badReplica.metaPath)
        let lonely = volume.layout.paths(blockID: 3, generationStamp: 1, state: .rbw)
        writeBytes(pattern(10), to: lonely.block)
        writeBytes([1, 2, 3], to: volume.layout.tmpDirectory + "/blk_4")
        let report = try volume.scan()
        #expect(report.finalized.map(\.blockID) == [1])
        #expect(Set(report.corrupt.map(\.blockID)) == [2, 3])
        #expect(report.removedTemporaryFiles.count == 1)
        #expect(throws: BlockStorageError.self) { try ReplicaReader(badReplica) }
    }
}

@Suite("volumes")
struct VolumeTests {
    @Test("a second open of a locked volume fails naming the lock file; VERSION persists")
    func lock() throws {
        let directory = TemporaryDirectory()
        var id = ""
        do {
            let volume = try StorageVolume(path: directory.path, blockPoolID: pool)
            id = volume.storageID
            #expect(id.hasPrefix("DS-"))
            #expect(throws: BlockStorageError.volumeLocked(path: directory.path + "/in_use.lock")) {
                try StorageVolume(path: directory.path, blockPoolID: pool)
            }
            #expect(try volume.capacityBytes() > 0)
        }
        let reopened = try StorageVolume(path: directory.path, blockPoolID: pool)
        #expect(reopened.storageID == id)
    }

    @Test("the volume set picks the emptier volume and excludes failed ones")
    func choice() throws {
        let first = TemporaryDirectory(), second = TemporaryDirectory()
        let a = try StorageVolume(path: first.path, blockPoolID: pool)
        let b = try StorageVolume(path: second.path, blockPoolID: pool)
        nonisolated(unsafe) var space: [String: Int64] = [a.path: 100 << 20, b.path: 900 << 20]
        let set = VolumeSet(volumes: [a, b]) { (volume) throws(BlockStorageError) -> Int64 in
            guard let bytes = space[volume.path] else {
                throw .io(operation: "statvfs", path: volume.path, code: EIO)
            }
            return bytes
        }
        #expect(try set.chooseVolume(blockSizeBytes: 128 << 20) === b)
        space[b.path] = 50 << 20
        #expect(try set.chooseVolume(blockSizeBytes: 64 << 20) === a)
        #expect(throws: BlockStorageError.noVolumeAvailable(requiredBytes: 200 << 20, failedVolumes: 0)) {
            try set.chooseVolume(blockSizeBytes: 200 << 20)
        }
        space[a.path] = nil
        #expect(try set.chooseVolume(blockSizeBytes: 1 << 20) === b)
        #expect(set.failedVolumes.map(\.path) == [a.path])
        let (volume, writer) = try set.createReplica(blockID: 50, generationStamp: 1, blockSizeBytes: 1 << 20)
        #expect(volume === b)
        writer.abort()
    }

    @Test("ENOSPC is a clean error with its text")
    func noSpace() {
        let error = BlockStorageError.io(operation: "write", path: "/data/1/x", code: ENOSPC)
        #expect(error.description.contains("/data/1/x"))
        #expect(error.description.contains("disk is full"))
    }
}
