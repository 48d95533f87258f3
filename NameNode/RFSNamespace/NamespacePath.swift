import RFSModel

/// A validated absolute path, split into components. Validation follows HDFS
/// (DFSUtil.isValidName and the fs-limits): absolute, no `.` or `..`, no empty components
/// other than a trailing slash, no `:` inside a component, no NUL, bounded lengths.
public struct NamespacePath: Sendable, Hashable, CustomStringConvertible {
    public let components: [[UInt8]]

    public init(_ text: String, maxComponentBytes: Int = Limits.pathComponentBytesMax) throws(NamespaceRejection) {
        guard text.utf8.first == UInt8(ascii: "/") else { throw .invalidPath(text, "Path is not absolute") }
        guard text.utf8.count <= Limits.pathBytesMax else {
            throw .invalidPath(text, "path is longer than \(Limits.pathBytesMax) bytes")
        }
        // One pass over the bytes: every edit names a path or two, and splitting through the
        // generic collection algorithms showed in the apply thread's profile.
        var parts: [[UInt8]] = []
        var copy = text
        let problem: (message: String, tooLong: [UInt8]?)? = copy.withUTF8 { bytes in
            let slash = UInt8(ascii: "/")
            var start = 1
            while start <= bytes.count {
                var end = start
                var nul = false
                var colon = false
                while end < bytes.count, bytes[end] != slash {
                    nul = nul || bytes[end] == 0
                    colon = colon || bytes[end] == UInt8(ascii: ":")
                    end += 1
                }
                let length = end - start
                if length == 0 {
                    // "/" alone, or a trailing slash; "//" inside is not allowed.
                    if end == bytes.count { break }
                    return ("empty path component", nil)
                }
                let component = Array(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                if component == [UInt8(ascii: ".")] || component == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                    return ("'.' and '..' are not allowed", nil)
                }
                if nul { return ("NUL in a path component", nil) }
                if colon { return ("':' in a path component", nil) }
                if length > maxComponentBytes { return ("", component) }
                parts.append(component)
                start = end + 1
            }
            return nil
        }
        if let problem {
            if let component = problem.tooLong {
                let directory = parts.isEmpty ? "/" : parts.map { "/" + String(decoding: $0, as: UTF8.self) }.joined()
                throw .componentTooLong(directory, component: String(decoding: component, as: UTF8.self), limit: maxComponentBytes)
            }
            throw .invalidPath(text, problem.message)
        }
        guard parts.count <= Limits.pathDepthMax else {
            throw .invalidPath(text, "path is deeper than \(Limits.pathDepthMax) components")
        }
        components = parts
    }

    init(components: [[UInt8]]) {
        self.components = components
    }

    public static let root = NamespacePath(components: [])

    public var isRoot: Bool { components.isEmpty }
    public var parent: NamespacePath { NamespacePath(components: Array(components.dropLast())) }
    public var name: [UInt8] { components.last ?? [] }

    public func appending(_ component: [UInt8]) -> NamespacePath {
        NamespacePath(components: components + [component])
    }

    /// Whether `self` is `other` or lies below it.
    public func isWithin(_ other: NamespacePath) -> Bool {
        components.count >= other.components.count && Array(components.prefix(other.components.count)) == other.components
    }

    public var description: String {
        components.isEmpty ? "/" : components.map { "/" + String(decoding: $0, as: UTF8.self) }.joined()
    }
}
