/// HDFS's storage types, by the names and wire numbers (StorageTypeProto) HDFS gives them.
public enum StorageType: Int, Sendable, CaseIterable, CustomStringConvertible {
    case disk = 1, ssd = 2, archive = 3, ramDisk = 4, provided = 5, nvdimm = 6

    public var description: String {
        switch self {
        case .disk: "DISK"
        case .ssd: "SSD"
        case .archive: "ARCHIVE"
        case .ramDisk: "RAM_DISK"
        case .provided: "PROVIDED"
        case .nvdimm: "NVDIMM"
        }
    }
}

/// A block storage policy as HDFS defines it (BlockStoragePolicySuite's default suite, Hadoop 3.4's
/// with ALL_NVDIMM): which
/// storage types a file's replicas go to, and the fallbacks when those are full or missing.
/// rfs's datanodes have one storage type (DISK), so a policy is recorded, inherited and
/// reported as in HDFS, and placement ignores it.
public struct StoragePolicy: Sendable, Equatable, CustomStringConvertible {
    public var id: UInt32
    public var name: String
    public var storageTypes: [StorageType]
    public var creationFallbacks: [StorageType]
    public var replicationFallbacks: [StorageType]
    /// LAZY_PERSIST: set when a file is created (inherited), never changed on a file afterwards.
    public var copyOnCreateFile: Bool

    public init(id: UInt32, name: String, storageTypes: [StorageType], creationFallbacks: [StorageType],
                replicationFallbacks: [StorageType], copyOnCreateFile: Bool = false) {
        self.id = id
        self.name = name
        self.storageTypes = storageTypes
        self.creationFallbacks = creationFallbacks
        self.replicationFallbacks = replicationFallbacks
        self.copyOnCreateFile = copyOnCreateFile
    }

    /// "No policy set here": the nearest ancestor's applies, and at the root the default.
    public static let unspecifiedID: UInt32 = 0

    /// HDFS's policies in id order, as getStoragePolicies lists them.
    public static let all: [StoragePolicy] = [
        StoragePolicy(id: 1, name: "PROVIDED", storageTypes: [.provided, .disk], creationFallbacks: [.provided, .disk],
                      replicationFallbacks: [.provided, .disk]),
        StoragePolicy(id: 2, name: "COLD", storageTypes: [.archive], creationFallbacks: [], replicationFallbacks: []),
        StoragePolicy(id: 5, name: "WARM", storageTypes: [.disk, .archive], creationFallbacks: [.disk, .archive],
                      replicationFallbacks: [.disk, .archive]),
        StoragePolicy(id: 7, name: "HOT", storageTypes: [.disk], creationFallbacks: [], replicationFallbacks: [.archive]),
        StoragePolicy(id: 10, name: "ONE_SSD", storageTypes: [.ssd, .disk], creationFallbacks: [.ssd, .disk],
                      replicationFallbacks: [.ssd, .disk]),
        StoragePolicy(id: 12, name: "ALL_SSD", storageTypes: [.ssd], creationFallbacks: [.disk], replicationFallbacks: [.disk]),
        StoragePolicy(id: 14, name: "ALL_NVDIMM", storageTypes: [.nvdimm], creationFallbacks: [.disk], replicationFallbacks: [.disk]),
        StoragePolicy(id: 15, name: "LAZY_PERSIST", storageTypes: [.ramDisk, .disk], creationFallbacks: [.disk],
                      replicationFallbacks: [.disk], copyOnCreateFile: true),
    ]

    /// HOT, what an unspecified policy means (dfs.storage.default.policy).
    public static var defaultPolicy: StoragePolicy { all.first { $0.id == 7 }! }

    /// The policy with `id`; the default for `unspecifiedID`, nil for an id HDFS does not define.
    public static func withID(_ id: UInt32) -> StoragePolicy? {
        id == unspecifiedID ? defaultPolicy : all.first { $0.id == id }
    }

    /// The policy named `name`, ignoring case (as BlockStoragePolicySuite.getPolicy(String)).
    public static func named(_ name: String) -> StoragePolicy? {
        all.first { $0.name.lowercased() == name.lowercased() }
    }

    /// Java's BlockStoragePolicy.toString, which `hdfs storagepolicies` and error messages print.
    public var description: String {
        func list(_ types: [StorageType]) -> String { "[" + types.map(\.description).joined(separator: ", ") + "]" }
        return "BlockStoragePolicy{\(name):\(id), storageTypes=\(list(storageTypes)), creationFallbacks=\(list(creationFallbacks)), "
            + "replicationFallbacks=\(list(replicationFallbacks))}"
    }
}
