#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibHDFS
import RFSClient

/// hdfsFileInfo arrays as libhdfs hands them out: one calloc'd array, every string strdup'd,
/// all freed by `free` (hdfsFreeFileInfo).
enum FileInfoArray {
    static func make(_ statuses: [FileStatus], _ connection: Connection) -> UnsafeMutablePointer<hdfsFileInfo>? {
        guard let array = calloc(statuses.count, MemoryLayout<hdfsFileInfo>.stride)?.bindMemory(to: hdfsFileInfo.self, capacity: statuses.count) else {
            return nil
        }
        for (index, status) in statuses.enumerated() {
            var info = hdfsFileInfo()
            info.mKind = status.isDirectory ? kObjectKindDirectory : kObjectKindFile
            info.mName = strdup(connection.qualified(status.path))
            info.mLastMod = time_t(status.modificationTimeMs / 1000)
            info.mSize = status.length
            info.mReplication = Int16(clamping: status.replication)
            info.mBlockSize = status.blockSizeBytes
            info.mOwner = strdup(status.owner)
            info.mGroup = strdup(status.group)
            info.mPermissions = Int16(bitPattern: status.permission.mode)
            info.mLastAccess = time_t(status.accessTimeMs / 1000)
            array[index] = info
        }
        return array
    }

    static func release(_ array: UnsafeMutablePointer<hdfsFileInfo>?, count: Int) {
        guard let array else { return }
        for index in 0..<max(0, count) {
            free(array[index].mName)
            free(array[index].mOwner)
            free(array[index].mGroup)
        }
        free(array)
    }
}

/// hdfsGetHosts's answer: a NULL-terminated array per block of NULL-terminated host arrays.
enum HostLists {
    typealias HostArray = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    typealias BlockArray = UnsafeMutablePointer<HostArray?>

    static func make(_ blocks: [[String]]) -> BlockArray? {
        guard let outer = calloc(blocks.count + 1, MemoryLayout<HostArray?>.stride)?.bindMemory(to: HostArray?.self, capacity: blocks.count + 1) else {
            return nil
        }
        for (index, hosts) in blocks.enumerated() {
            guard let inner = calloc(hosts.count + 1, MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)?
                .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: hosts.count + 1) else {
                free(outer)
                return nil
            }
            for (position, host) in hosts.enumerated() { inner[position] = strdup(host) }
            outer[index] = inner
        }
        return outer
    }

    static func release(_ outer: BlockArray?) {
        guard let outer else { return }
        var index = 0
        while let inner = outer[index] {
            var position = 0
            while let host = inner[position] {
                free(host)
                position += 1
            }
            free(inner)
            index += 1
        }
        free(outer)
    }
}
