import Foundation
import RFSModel
import RFSProtocol

/// An extended attribute's name split as HDFS's XAttrHelper does: a namespace prefix (user,
/// trusted, security, system or raw, in any case) and the name after the first dot.
public struct XAttrName: Sendable, Equatable {
    public var namespace: XAttrNamespace
    public var name: String

    /// Refuses what XAttrHelper.buildXAttr refuses, with its words (HadoopIllegalArgumentException).
    public init(parsing text: String) throws(FileSystemError) {
        let badPrefix = FileSystemError.illegalArgument("An XAttr name must be prefixed with user/trusted/security/system/raw, followed by a '.'")
        guard let dot = text.firstIndex(of: "."), text.distance(from: text.startIndex, to: dot) >= 3 else { throw badPrefix }
        guard text.index(after: dot) != text.endIndex else { throw FileSystemError.illegalArgument("XAttr name cannot be empty.") }
        guard let namespace = XAttrNamespace(prefix: text[..<dot]) else { throw badPrefix }
        self.namespace = namespace
        self.name = String(text[text.index(after: dot)...])
    }

    public init(namespace: XAttrNamespace, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// The name as HDFS prints it: the prefix lower-cased ("user.a").
    public var prefixed: String { namespace.prefix + "." + name }

    init(_ proto: Hadoop_Hdfs_XAttrProto) {
        self.init(namespace: XAttrNamespace(rawValue: UInt32(proto.namespace.rawValue)) ?? .user, name: proto.name)
    }

    var proto: Hadoop_Hdfs_XAttrProto {
        var proto = Hadoop_Hdfs_XAttrProto()
        proto.namespace = Hadoop_Hdfs_XAttrProto.XAttrNamespaceProto(rawValue: Int(namespace.rawValue)) ?? .user
        proto.name = name
        return proto
    }
}

/// Extended attributes (HDFS's setXAttr, getXAttrs, listXAttrs, removeXAttr).
extension FileSystem {
    /// XAttrSetFlag: CREATE a new attribute, REPLACE an existing one (FsShell passes both).
    public struct XAttrSetFlags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let create = XAttrSetFlags(rawValue: 1)
        public static let replace = XAttrSetFlags(rawValue: 2)
    }

    /// Sets `name` (e.g. "user.a") on `path`; nil sets the name without a value.
    public func setXAttr(_ path: String, name: String, value: [UInt8]?, flags: XAttrSetFlags = [.create, .replace]) async throws {
        var request = Hadoop_Hdfs_SetXAttrRequestProto()
        request.src = try resolve(path)
        var xattr = try XAttrName(parsing: name).proto
        if let value { xattr.value = Data(value) }
        request.xAttr = xattr
        request.flag = flags.rawValue
        _ = try await call("setXAttr", request, returning: Hadoop_Hdfs_SetXAttrResponseProto.self, idempotent: false)
    }

    public func removeXAttr(_ path: String, name: String) async throws {
        var request = Hadoop_Hdfs_RemoveXAttrRequestProto()
        request.src = try resolve(path)
        request.xAttr = try XAttrName(parsing: name).proto
        _ = try await call("removeXAttr", request, returning: Hadoop_Hdfs_RemoveXAttrResponseProto.self, idempotent: false)
    }

    /// The attributes of `path` the caller may see, in the namenode's order (most recently set
    /// first), or exactly `names` (each must exist); values empty when none was set.
    public func xattrs(_ path: String, names: [String] = []) async throws -> [(name: XAttrName, value: [UInt8])] {
        var request = Hadoop_Hdfs_GetXAttrsRequestProto()
        request.src = try resolve(path)
        request.xAttrs = try names.map { try XAttrName(parsing: $0).proto }
        let reply = try await call("getXAttrs", request, returning: Hadoop_Hdfs_GetXAttrsResponseProto.self, idempotent: true)
        return reply.xAttrs.map { (XAttrName($0), [UInt8]($0.value)) }
    }

    /// The names of the attributes of `path` the caller may see.
    public func xattrNames(_ path: String) async throws -> [XAttrName] {
        var request = Hadoop_Hdfs_ListXAttrsRequestProto()
        request.src = try resolve(path)
        let reply = try await call("listXAttrs", request, returning: Hadoop_Hdfs_ListXAttrsResponseProto.self, idempotent: true)
        return reply.xAttrs.map(XAttrName.init)
    }
}
