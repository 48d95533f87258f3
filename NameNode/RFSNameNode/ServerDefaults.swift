import RFSConfig
import RFSProtocol

/// What `getServerDefaults` tells clients: block size, checksum chunking, packet size,
/// replication and trash interval, from the namenode's configuration.
public struct ServerDefaults: Sendable, Equatable {
    public var blockSizeBytes: UInt64
    public var bytesPerChecksum: UInt32
    public var writePacketSizeBytes: UInt32
    public var replication: UInt32
    public var fileBufferSizeBytes: UInt32
    public var trashIntervalMinutes: UInt64
    public var checksumType: String

    public init(configuration: Configuration) throws(ConfigError) {
        blockSizeBytes = UInt64(try configuration.get(Keys.blockSize))
        bytesPerChecksum = UInt32(try configuration.get(Keys.bytesPerChecksum))
        writePacketSizeBytes = UInt32(try configuration.get(Keys.writePacketSize))
        replication = UInt32(try configuration.get(Keys.replication))
        fileBufferSizeBytes = UInt32(try configuration.get(Keys.fileBufferSize))
        // Whole minutes on the wire; a fraction still tells clients the trash is on.
        let trash = try configuration.get(Keys.trashInterval)
        trashIntervalMinutes = trash > 0 ? max(1, UInt64(trash)) : 0
        checksumType = try configuration.get(Keys.checksumType)
    }

    public var proto: Hadoop_Hdfs_FsServerDefaultsProto {
        var defaults = Hadoop_Hdfs_FsServerDefaultsProto()
        defaults.blockSize = blockSizeBytes
        defaults.bytesPerChecksum = bytesPerChecksum
        defaults.writePacketSize = writePacketSizeBytes
        defaults.replication = replication
        defaults.fileBufferSize = fileBufferSizeBytes
        defaults.encryptDataTransfer = false
        defaults.trashInterval = trashIntervalMinutes
        defaults.checksumType = switch checksumType {
        case "NULL": .checksumNull
        case "CRC32": .checksumCrc32
        default: .checksumCrc32C
        }
        return defaults
    }
}
