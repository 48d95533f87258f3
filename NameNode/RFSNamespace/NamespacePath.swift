import RFSModel

/// A validated absolute path, split into components. Validation follows HDFS
/// (DFSUtil.isValidName and the fs-limits): absolute, no `.` or `..`, no empty components
/// other than a trailing slash, no `:` inside a component, no NUL, bounded lengths.
public struct NamespacePath: Sendable, Hashable, CustomStringConvertible {
    public let components: [[UInt8]]

    public init(_ text: String, maxComponentBytes: Int = Limits.pathComponentBytesMax) throws(NamespaceRejection) {
        guard text.hasPrefix("/") else { throw .invalidPath(text, "Path is not absolute") }
        guard text.utf8.count <= Limits.pathBytesMax else {
            throw .invalidPath(text, "path is longer than \(Limits.pathBytesMax) bytes")
        }
        var parts: [[UInt8]] = []
        let pieces = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for (position, piece) in pieces.enumerated() {
            if piece.isEmpty {
                // "/" splits into two empties; a trailing slash is allowed; "//" inside is not.
                if position == 0 || position == pieces.count - 1 { continue }
                throw .invalidPath(text, "empty path component")
            }
            let component = Array(piece)
            if component == [UInt8(ascii: ".")] || component == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                throw .invalidPath(text, "'.' and '..' are not allowed")
            }
            if component.contains(0) { throw .invalidPath(text, "NUL in a path component") }
            if component.contains(UInt8(ascii: ":")) { throw .invalidPath(text, "':' in a path component") }
            if component.count > maxComponentBytes {
                let directory = parts.isEmpty ? "/" : parts.map { "/" + String(decoding: $0, as: UTF8.self) }.joined()
                throw .componentTooLong(directory, component: String(decoding: component, as: UTF8.self), limit: maxComponentBytes)
            }
            parts.append(component)
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
