import Foundation
@testable import RFSWAL
import Testing

@Suite("Raft hard state file")
struct HardStateFileTests {
    @Test("saves survive reopening; the newest valid slot wins")
    func saveAndReopen() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/hardstate"
            let file = try HardStateFile(path: path)
            #expect(file.state == .init())
            try file.save(.init(term: 3, vote: 2, commit: 10))
            try file.save(.init(term: 4, vote: 0, commit: 12))
            #expect(try HardStateFile(path: path).state == .init(term: 4, vote: 0, commit: 12))
        }
    }

    @Test("a torn or corrupt newest slot leaves the previous state")
    func tornWrite() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/hardstate"
            let file = try HardStateFile(path: path)
            try file.save(.init(term: 5, vote: 1, commit: 7))   // sequence 1 → slot 1
            try file.save(.init(term: 6, vote: 3, commit: 9))   // sequence 2 → slot 0
            // Tear the newest slot (slot 0): its CRC no longer matches.
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 20)
            try handle.write(contentsOf: Data([0xFF, 0xEE]))
            try handle.close()
            let reopened = try HardStateFile(path: path)
            #expect(reopened.state == .init(term: 5, vote: 1, commit: 7))
            // Writing on goes to the torn slot's turn correctly and reads back.
            try reopened.save(.init(term: 7, vote: 0, commit: 9))
            #expect(try HardStateFile(path: path).state == .init(term: 7, vote: 0, commit: 9))
        }
    }
}
