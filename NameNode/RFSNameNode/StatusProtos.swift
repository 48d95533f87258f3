import Foundation
import RFSModel
import RFSNamespace
import RFSProtocol

/// Builds HDFS's wire messages from namespace records. Every proto2 `required` field is set:
/// the Java client refuses messages without them.
struct StatusProtos {
    let blockPoolID: String

    func fileStatus(_ inode: Rfs_Namenode_InodeRecord, localName: [UInt8]) -> Hadoop_Hdfs_HdfsFileStatusProto {
        var status = Hadoop_Hdfs_HdfsFileStatusProto()
        let isDirectory = inode.kind == .inodeDirectory
        status.fileType = isDirectory ? .isDir : .isFile
        status.path = Data(localName)
        status.length = isDirectory ? 0 : Self.length(of: inode)
        status.permission.perm = inode.permission
        status.owner = inode.owner
        status.group = inode.group
        status.modificationTime = inode.modificationTimeMs
        status.accessTime = inode.accessTimeMs
        status.blockReplication = isDirectory ? 0 : inode.replication
        status.blocksize = isDirectory ? 0 : inode.blockSizeBytes
        status.fileID = inode.id
        status.childrenNum = isDirectory ? Int32(clamping: inode.childCount) : 0
        status.storagePolicy = inode.storagePolicyID
        status.flags = 0
        return status
    }

    /// A file's length as HDFS reports it: while the file is open, its last block is still
    /// being written (or cut by a truncate's recovery) and does not count yet.
    static func length(of inode: Rfs_Namenode_InodeRecord) -> UInt64 {
        var blocks = inode.blocks[...]
        if inode.hasUnderConstruction, blocks.last?.complete == false { blocks = blocks.dropLast() }
        return blocks.reduce(0) { $0 + $1.numBytes }
    }

    func extendedBlock(_ block: Rfs_Namenode_BlockRecord) -> Hadoop_Hdfs_ExtendedBlockProto {
        var extended = Hadoop_Hdfs_ExtendedBlockProto()
        extended.poolID = blockPoolID
        extended.blockID = block.id
        extended.generationStamp = block.generationStamp
        extended.numBytes = block.numBytes
        return extended
    }

    /// A policy as HDFS's PBHelperClient sends it: empty fallback lists are left out.
    static func storagePolicy(_ policy: StoragePolicy) -> Hadoop_Hdfs_BlockStoragePolicyProto {
        func types(_ list: [StorageType]) -> Hadoop_Hdfs_StorageTypesProto {
            var proto = Hadoop_Hdfs_StorageTypesProto()
            proto.storageTypes = list.compactMap { Hadoop_Hdfs_StorageTypeProto(rawValue: $0.rawValue) }
            return proto
        }
        var proto = Hadoop_Hdfs_BlockStoragePolicyProto()
        proto.policyID = policy.id
        proto.name = policy.name
        proto.creationPolicy = types(policy.storageTypes)
        if !policy.creationFallbacks.isEmpty { proto.creationFallbackPolicy = types(policy.creationFallbacks) }
        if !policy.replicationFallbacks.isEmpty { proto.replicationFallbackPolicy = types(policy.replicationFallbacks) }
        return proto
    }

    static var emptyToken: Hadoop_Common_TokenProto {
        var token = Hadoop_Common_TokenProto()
        token.identifier = Data()
        token.password = Data()
        token.kind = ""
        token.service = ""
        return token
    }

    func locatedBlock(_ block: Rfs_Namenode_BlockRecord, offset: UInt64, locations: [Hadoop_Hdfs_DatanodeInfoProto], corrupt: Bool) -> Hadoop_Hdfs_LocatedBlockProto {
        var located = Hadoop_Hdfs_LocatedBlockProto()
        located.b = extendedBlock(block)
        located.offset = offset
        located.locs = locations
        located.corrupt = corrupt
        located.blockToken = Self.emptyToken
        located.storageTypes = locations.map { _ in .disk }
        located.storageIds = locations.map { "DS-" + $0.id.datanodeUuid }
        located.isCached = locations.map { _ in false }
        return located
    }
}
