/// A block's identity: HDFS's block id (the namespace allocates them; they never repeat).
public struct BlockID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: BlockID, rhs: BlockID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// HDFS's spelling, so operators can grep logs of both systems alike.
    public var description: String { "blk_\(rawValue)" }
}

/// A datanode's stable identity, written to its storage directory at first start; it
/// survives restarts and address changes.
public struct DatanodeUUID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static func < (lhs: DatanodeUUID, rhs: DatanodeUUID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}

/// A block as a replica of it must look: the id, the generation stamp (bumped by pipeline and
/// lease recovery, so a stale replica has an older one) and the length in bytes.
public struct Block: Hashable, Sendable, CustomStringConvertible {
    public var id: BlockID
    public var generationStamp: UInt64
    public var numBytes: Int64

    public init(id: BlockID, generationStamp: UInt64, numBytes: Int64) {
        self.id = id
        self.generationStamp = generationStamp
        self.numBytes = numBytes
    }

    public var description: String { "\(id)_\(generationStamp) (\(numBytes) bytes)" }
}
