/// Where a block pool's replicas live on one volume, exactly as HDFS lays them out
/// (DatanodeUtil.idToBlockDir, layout version -57 and later):
///
///     <volume>/current/<blockPoolID>/current/finalized/subdir<a>/subdir<b>/blk_<id>
///     <volume>/current/<blockPoolID>/current/finalized/subdir<a>/subdir<b>/blk_<id>_<genstamp>.meta
///     <volume>/current/<blockPoolID>/current/rbw/blk_<id>, blk_<id>_<genstamp>.meta
///     <volume>/current/<blockPoolID>/tmp/   (temporary files, removed at start)
///
/// with a = (blockID >> 16) & 0x1F and b = (blockID >> 8) & 0x1F (32 × 32 directories).
public struct BlockPoolLayout: Sendable, Hashable {
    public let volumeRoot: String
    public let blockPoolID: String

    public init(volumeRoot: String, blockPoolID: String) {
        self.volumeRoot = volumeRoot
        self.blockPoolID = blockPoolID
    }

    public var blockPoolDirectory: String { "\(volumeRoot)/current/\(blockPoolID)" }
    public var currentDirectory: String { "\(blockPoolDirectory)/current" }
    public var finalizedDirectory: String { "\(currentDirectory)/finalized" }
    public var rbwDirectory: String { "\(currentDirectory)/rbw" }
    public var tmpDirectory: String { "\(blockPoolDirectory)/tmp" }

    /// HDFS's two subdirectory indexes for a block id. The shift is arithmetic, as Java's `>>`
    /// on a `long`, so legacy negative ids land where HDFS puts them.
    public static func subdirIndexes(blockID: Int64) -> (first: Int, second: Int) {
        (Int((blockID >> 16) & 0x1F), Int((blockID >> 8) & 0x1F))
    }

    /// The finalized directory of a block: `finalized/subdir<a>/subdir<b>`.
    public func finalizedDirectory(blockID: Int64) -> String {
        let (first, second) = Self.subdirIndexes(blockID: blockID)
        return "\(finalizedDirectory)/subdir\(first)/subdir\(second)"
    }

    public static func blockFileName(blockID: Int64) -> String { "blk_\(blockID)" }

    public static func metaFileName(blockID: Int64, generationStamp: Int64) -> String {
        "blk_\(blockID)_\(generationStamp).meta"
    }

    /// The block and meta paths of a replica in `state`.
    public func paths(blockID: Int64, generationStamp: Int64, state: ReplicaState) -> (block: String, meta: String) {
        let directory = state == .finalized ? finalizedDirectory(blockID: blockID) : rbwDirectory
        return ("\(directory)/\(Self.blockFileName(blockID: blockID))",
                "\(directory)/\(Self.metaFileName(blockID: blockID, generationStamp: generationStamp))")
    }

    /// Parses a file name: `blk_<id>` is a block file, `blk_<id>_<gs>.meta` a meta file.
    static func parse(fileName: String) -> ParsedName? {
        guard fileName.hasPrefix("blk_") else { return nil }
        let rest = fileName.dropFirst(4)
        if rest.hasSuffix(".meta") {
            let parts = rest.dropLast(5).split(separator: "_", omittingEmptySubsequences: false)
            // A negative id is "-123", so the genstamp is the last part and the id the rest.
            guard parts.count >= 2, let stamp = Int64(parts[parts.count - 1]),
                  let id = Int64(parts[0..<(parts.count - 1)].joined(separator: "_")) else { return nil }
            return .meta(blockID: id, generationStamp: stamp)
        }
        guard let id = Int64(rest) else { return nil }
        return .block(blockID: id)
    }

    enum ParsedName: Equatable {
        case block(blockID: Int64)
        case meta(blockID: Int64, generationStamp: Int64)
    }
}

/// Whether a replica is complete (finalized) or still being written (rbw).
public enum ReplicaState: String, Sendable, Hashable {
    case finalized
    case rbw
}

/// A replica on disk: what a block report carries, plus where its files are.
public struct ReplicaInfo: Sendable, Hashable, CustomStringConvertible {
    public let blockID: Int64
    public let generationStamp: Int64
    public let lengthBytes: Int
    public let state: ReplicaState
    public let blockPath: String
    public let metaPath: String

    public init(blockID: Int64, generationStamp: Int64, lengthBytes: Int, state: ReplicaState,
                blockPath: String, metaPath: String) {
        self.blockID = blockID
        self.generationStamp = generationStamp
        self.lengthBytes = lengthBytes
        self.state = state
        self.blockPath = blockPath
        self.metaPath = metaPath
    }

    public var description: String {
        "blk_\(blockID)_\(generationStamp) (\(state), \(lengthBytes) bytes)"
    }
}
