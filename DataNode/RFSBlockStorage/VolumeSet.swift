import Logging
import RFSChecksum

/// A volume taken out of service after an I/O error.
public struct FailedVolume: Sendable, Equatable {
    public let path: String
    public let storageID: String
    public let error: BlockStorageError
}

/// The datanode's volumes: picks one for each new replica and keeps failed ones out.
/// Not thread-safe: the datanode serialises calls.
public final class VolumeSet {
    public private(set) var volumes: [StorageVolume]
    public private(set) var failedVolumes: [FailedVolume] = []
    private let available: (StorageVolume) throws(BlockStorageError) -> Int64

    /// `availableBytes` defaults to each volume's own figure (statvfs less reserved bytes); a
    /// test or a simulation passes its own.
    public init(volumes: [StorageVolume],
                availableBytes: ((StorageVolume) throws(BlockStorageError) -> Int64)? = nil) {
        self.volumes = volumes
        if let availableBytes {
            self.available = availableBytes
        } else {
            self.available = Self.ownAvailableBytes
        }
    }

    private static func ownAvailableBytes(_ volume: StorageVolume) throws(BlockStorageError) -> Int64 {
        try volume.availableBytes()
    }

    /// The healthy volume with the most available space that holds `blockSizeBytes`. A volume
    /// whose space cannot be read is marked failed and skipped.
    public func chooseVolume(blockSizeBytes: Int64) throws(BlockStorageError) -> StorageVolume {
        var best: (volume: StorageVolume, bytes: Int64)?
        for volume in volumes {
            let bytes: Int64
            do throws(BlockStorageError) {
                bytes = try available(volume)
            } catch {
                markFailed(volume, error: error)
                continue
            }
            if bytes >= blockSizeBytes, bytes > (best?.bytes ?? Int64.min) { best = (volume, bytes) }
        }
        guard let best else {
            throw .noVolumeAvailable(requiredBytes: blockSizeBytes, failedVolumes: failedVolumes.count)
        }
        return best.volume
    }

    /// Starts a replica on the chosen volume; an I/O error there fails the volume and the next
    /// best one is tried.
    public func createReplica(blockID: Int64, generationStamp: Int64, blockSizeBytes: Int64,
                              checksum: ChunkedChecksum = .hdfsDefault) throws(BlockStorageError) -> (StorageVolume, ReplicaWriter) {
        while true {
            let volume = try chooseVolume(blockSizeBytes: blockSizeBytes)
            do throws(BlockStorageError) {
                return (volume, try volume.createReplica(blockID: blockID, generationStamp: generationStamp, checksum: checksum))
            } catch {
                guard case .io = error else { throw error }
                markFailed(volume, error: error)
            }
        }
    }

    /// Takes a volume out of service (an I/O error on it), releasing its lock.
    public func markFailed(_ volume: StorageVolume, error: BlockStorageError) {
        guard let index = volumes.firstIndex(where: { $0 === volume }) else { return }
        volumes.remove(at: index)
        failedVolumes.append(FailedVolume(path: volume.path, storageID: volume.storageID, error: error))
        volume.logger.error("volume \(volume.path) (\(volume.storageID)) failed and is excluded: \(error)")
        volume.close()
    }
}
