import RFSClient
import RFSModel

/// HDFS's WebHDFS reply bodies (JsonUtil's shapes, field names and types), built from the
/// rfs client's values.
public enum WebHDFSReplies {
    /// HDFS's default storage policy id (HOT): what a file without a policy of its own is
    /// stored as.
    static let storagePolicyHot: Int64 = 7

    /// One FileStatus object; `pathSuffix` is the entry's name in a listing and empty for a
    /// single-path status, as HDFS sends it.
    public static func fileStatusFields(_ status: FileStatus, pathSuffix: String) -> JSON {
        var fields: [(String, JSON)] = [
            ("accessTime", .int(status.accessTimeMs)),
            ("blockSize", .int(status.blockSizeBytes)),
            ("childrenNum", .int(Int64(max(status.childrenCount, 0)))),
            ("fileId", .int(Int64(bitPattern: status.fileID))),
            ("group", .string(status.group)),
            ("length", .int(status.length)),
            ("modificationTime", .int(status.modificationTimeMs)),
            ("owner", .string(status.owner)),
            ("pathSuffix", .string(pathSuffix)),
            ("permission", .string(status.permission.octal)),
            ("replication", .int(Int64(status.replication))),
            // As HDFS reports it: 0 (unspecified) unless a policy was set.
            ("storagePolicy", .int(Int64(status.storagePolicyID))),
        ]
        if let target = status.symlinkTarget { fields.append(("symlink", .string(target))) }
        fields.append(("type", .string(typeName(status.type))))
        if status.hasACL { fields.append(("aclBit", .bool(true))) }
        return .object(fields)
    }

    static func typeName(_ type: FileType) -> String {
        switch type {
        case .file: "FILE"
        case .directory: "DIRECTORY"
        case .symlink: "SYMLINK"
        }
    }

    public static func fileStatus(_ status: FileStatus) -> JSON {
        .object([("FileStatus", fileStatusFields(status, pathSuffix: ""))])
    }

    /// LISTSTATUS: a file lists itself with an empty pathSuffix, as HDFS does.
    public static func fileStatuses(_ entries: [FileStatus], listedFile: Bool) -> JSON {
        .object([("FileStatuses", fileStatusArray(entries, listedFile: listedFile))])
    }

    static func fileStatusArray(_ entries: [FileStatus], listedFile: Bool) -> JSON {
        .object([("FileStatus", .array(entries.map { fileStatusFields($0, pathSuffix: listedFile ? "" : $0.name) }))])
    }

    /// LISTSTATUS_BATCH: one page and how many entries remain after it.
    public static func directoryListing(_ entries: [FileStatus], remaining: Int, listedFile: Bool) -> JSON {
        .object([("DirectoryListing", .object([
            ("partialListing", .object([("FileStatuses", fileStatusArray(entries, listedFile: listedFile))])),
            ("remainingEntries", .int(Int64(remaining))),
        ]))])
    }

    public static func contentSummary(_ summary: ContentSummary) -> JSON {
        .object([("ContentSummary", .object([
            ("directoryCount", .int(summary.directoryCount)),
            ("ecPolicy", .string(summary.erasureCodingPolicy)),
            ("fileCount", .int(summary.fileCount)),
            ("length", .int(summary.length)),
            ("quota", .int(summary.quota)),
            ("spaceConsumed", .int(summary.spaceConsumed)),
            ("spaceQuota", .int(summary.spaceQuota)),
            ("typeQuota", .object([])),
        ]))])
    }

    public static func quotaUsage(_ usage: QuotaUsage) -> JSON {
        .object([("QuotaUsage", .object([
            ("fileAndDirectoryCount", .int(usage.fileAndDirectoryCount)),
            ("quota", .int(usage.quota)),
            ("spaceConsumed", .int(usage.spaceConsumed)),
            ("spaceQuota", .int(usage.spaceQuota)),
            ("typeQuota", .object([])),
        ]))])
    }

    /// GETFILECHECKSUM: `bytes` is the hex of what MD5MD5CRC32FileChecksum.write emits
    /// (bytesPerCRC, crcPerBlock, MD5), `length` its size (28).
    public static func fileChecksum(_ checksum: FileChecksum) -> JSON {
        .object([("FileChecksum", .object([
            ("algorithm", .string(checksum.algorithmName)),
            ("bytes", .string(checksum.hex)),
            ("length", .int(Int64(checksum.bytes.count))),
        ]))])
    }

    /// A replica's host for GETFILEBLOCKLOCATIONS: `ip:transferPort` → host name and the
    /// datanode's info port, looked up by the caller from the datanode report.
    public struct ReplicaHost: Sendable {
        public var hostName: String
        public var transferAddress: String
        public var rack: String
        public var storageID: String
        public init(hostName: String, transferAddress: String, rack: String, storageID: String) {
            self.hostName = hostName
            self.transferAddress = transferAddress
            self.rack = rack
            self.storageID = storageID
        }
    }

    /// GETFILEBLOCKLOCATIONS (Hadoop's `BlockLocation`s): Hadoop's WebHdfsFileSystem reads
    /// every array, so each is present even when empty.
    public static func blockLocations(_ blocks: [(offset: Int64, length: Int64, corrupt: Bool, replicas: [ReplicaHost])]) -> JSON {
        .object([("BlockLocations", .object([("BlockLocation", .array(blocks.map { block in
            .object([
                ("cachedHosts", .array([])),
                ("corrupt", .bool(block.corrupt)),
                ("hosts", .array(block.replicas.map { .string($0.hostName) })),
                ("length", .int(block.length)),
                ("names", .array(block.replicas.map { .string($0.transferAddress) })),
                ("offset", .int(block.offset)),
                ("storageIds", .array(block.replicas.map { .string($0.storageID) })),
                ("storageTypes", .array(block.replicas.map { _ in .string("DISK") })),
                ("topologyPaths", .array(block.replicas.map { .string("\($0.rack)/\($0.transferAddress)") })),
            ])
        }))]))])
    }

    public static func serverDefaults(_ defaults: ServerDefaults) -> JSON {
        .object([("FsServerDefaults", .object([
            ("blockSize", .int(defaults.blockSizeBytes)),
            ("bytesPerChecksum", .int(Int64(defaults.bytesPerChecksum))),
            ("writePacketSize", .int(Int64(defaults.writePacketSizeBytes))),
            ("replication", .int(Int64(defaults.replication))),
            ("fileBufferSize", .int(Int64(defaults.fileBufferSizeBytes))),
            ("encryptDataTransfer", .bool(defaults.encryptDataTransfer)),
            ("trashInterval", .int(defaults.trashIntervalMinutes)),
            ("checksumType", .int(2)), // CRC32C
            ("keyProviderUri", .string("")),
            ("defaultStoragePolicyId", .int(storagePolicyHot)),
        ]))])
    }

    /// GETXATTRS: each attribute's prefixed name and its value in `encoding` (null without one).
    public static func xattrs(_ attributes: [(name: String, value: [UInt8])], encoding: XAttrCodec) -> JSON {
        .object([("XAttrs", .array(attributes.map { attribute in
            .object([("name", .string(attribute.name)), ("value", attribute.value.isEmpty ? .null : .string(encoding.encode(attribute.value)))])
        }))])
    }

    /// LISTXATTRS: the names as a JSON array written into a string, as HDFS's JsonUtil does.
    public static func xattrNames(_ names: [String]) -> JSON {
        .object([("XAttrNames", .string(JSON.array(names.map(JSON.string)).rendered))])
    }

    /// GETSTORAGEPOLICY's BlockStoragePolicy, keys in the order of HDFS's TreeMap.
    public static func storagePolicyFields(_ policy: StoragePolicy) -> JSON {
        func types(_ list: [StorageType]) -> JSON { .array(list.map { .string($0.description) }) }
        return .object([
            ("copyOnCreateFile", .bool(policy.copyOnCreateFile)), ("creationFallbacks", types(policy.creationFallbacks)),
            ("id", .int(Int64(policy.id))), ("name", .string(policy.name)),
            ("replicationFallbacks", types(policy.replicationFallbacks)), ("storageTypes", types(policy.storageTypes)),
        ])
    }

    public static func storagePolicy(_ policy: StoragePolicy) -> JSON {
        .object([("BlockStoragePolicy", storagePolicyFields(policy))])
    }

    /// GETALLSTORAGEPOLICY.
    public static func storagePolicies(_ policies: [StoragePolicy]) -> JSON {
        .object([("BlockStoragePolicies", .object([("BlockStoragePolicy", .array(policies.map(storagePolicyFields)))]))])
    }

    public static func boolean(_ value: Bool) -> JSON { .object([("boolean", .bool(value))]) }

    public static func path(_ path: String) -> JSON { .object([("Path", .string(path))]) }

    /// `noredirect=true`: the datanode URL as JSON instead of a 307.
    public static func location(_ url: String) -> JSON { .object([("Location", .string(url))]) }
}
