import RFSModel
import RFSNamespace
import Testing

/// Path validation as HDFS's DFSUtil.isValidName and fs-limits define it, checked case by case:
/// every edit parses its paths, so the parser is written for speed and must keep these rules.
@Suite("Namespace paths")
struct NamespacePathTests {
    private func components(_ text: String) throws -> [String] {
        try NamespacePath(text).components.map { String(decoding: $0, as: UTF8.self) }
    }

    private func rejection(_ text: String, maxComponentBytes: Int = Limits.pathComponentBytesMax) -> NamespaceRejection? {
        do {
            _ = try NamespacePath(text, maxComponentBytes: maxComponentBytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func validPathsSplitIntoTheirComponents() throws {
        #expect(try components("/") == [])
        #expect(try components("/a") == ["a"])
        #expect(try components("/a/") == ["a"])
        #expect(try components("/user/hdfs/part-00000.gz") == ["user", "hdfs", "part-00000.gz"])
        #expect(try components("/.hidden/..dots/a.b") == [".hidden", "..dots", "a.b"])
        #expect(try components("/snow ☃/日本") == ["snow ☃", "日本"])
        #expect(try NamespacePath("/a/b/").description == "/a/b")
        #expect(try NamespacePath("/").isRoot)
    }

    @Test func invalidPathsAreRefusedWithTheReason() {
        let cases: [(String, String)] = [
            ("", "Path is not absolute"),
            ("a/b", "Path is not absolute"),
            ("//a", "empty path component"),
            ("/a//b", "empty path component"),
            ("/a//", "empty path component"),
            ("/.", "'.' and '..' are not allowed"),
            ("/a/../b", "'.' and '..' are not allowed"),
            ("/a/b/..", "'.' and '..' are not allowed"),
            ("/a\u{0}b", "NUL in a path component"),
            ("/c:d", "':' in a path component"),
            // Both in one component: NUL is named first, as before.
            ("/x:\u{0}", "NUL in a path component"),
        ]
        for (text, reason) in cases {
            #expect(rejection(text) == .invalidPath(text, reason), "\(text.debugDescription)")
        }
    }

    @Test func boundsAreEnforced() {
        let long = String(repeating: "n", count: 11)
        #expect(rejection("/a/b/\(long)/c", maxComponentBytes: 10) == .componentTooLong("/a/b", component: long, limit: 10))
        #expect(rejection("/\(long)", maxComponentBytes: 10) == .componentTooLong("/", component: long, limit: 10))
        #expect(rejection("/\(long)", maxComponentBytes: 11) == nil)
        let deep = String(repeating: "/d", count: Limits.pathDepthMax + 1)
        #expect(rejection(deep) == .invalidPath(deep, "path is deeper than \(Limits.pathDepthMax) components"))
        let wide = "/" + String(repeating: "w", count: Limits.pathBytesMax)
        #expect(rejection(wide) == .invalidPath(wide, "path is longer than \(Limits.pathBytesMax) bytes"))
    }
}
