#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibHDFS
import RFSClient
import RFSConfig

@c @implementation
public func hdfsGetDefaultBlockSize(_ fs: hdfsFS?) -> tOffset {
    run(fs, "/", call: "hdfsGetDefaultBlockSize") { connection, _ in
        try await defaultBlockSize(connection)
    } ?? -1
}

@c @implementation
public func hdfsGetDefaultBlockSizeAtPath(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?) -> tOffset {
    // One namespace, one default: the path is checked, not consulted.
    run(fs, path, call: "hdfsGetDefaultBlockSizeAtPath") { connection, _ in
        try await defaultBlockSize(connection)
    } ?? -1
}

@c @implementation
public func hdfsGetCapacity(_ fs: hdfsFS?) -> tOffset {
    run(fs, "/", call: "hdfsGetCapacity") { connection, _ in
        try await connection.fileSystem.fsStats().capacityBytes
    } ?? -1
}

@c @implementation
public func hdfsGetUsed(_ fs: hdfsFS?) -> tOffset {
    run(fs, "/", call: "hdfsGetUsed") { connection, _ in
        try await connection.fileSystem.fsStats().usedBytes
    } ?? -1
}

@c @implementation
public func hdfsGetLastExceptionRootCause() -> UnsafeMutablePointer<CChar>? {
    LastError.current
}

@c @implementation
public func hdfsGetLastExceptionStackTrace() -> UnsafeMutablePointer<CChar>? {
    // No JVM, no Java stack: the root cause is all there is.
    LastError.current
}

@c @implementation
public func hdfsGetLastError(_ buf: UnsafeMutablePointer<CChar>?, _ len: Int32) -> Int32 {
    guard let buf, len > 0 else { return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsGetLastError needs a buffer", -1) }
    let text = LastError.current.map { String(cString: $0) } ?? ""
    let bytes = Array(text.utf8.prefix(Int(len) - 1))
    for (index, byte) in bytes.enumerated() { buf[index] = CChar(bitPattern: byte) }
    buf[bytes.count] = 0
    return 0
}

/// The block size new files get: the client's configured dfs.blocksize, else the namenode's.
private func defaultBlockSize(_ connection: Connection) async throws -> Int64 {
    if connection.configuration.raw("dfs.blocksize") != nil {
        return Int64(try connection.configuration.get(Keys.blockSize))
    }
    return try await connection.fileSystem.serverDefaults().blockSizeBytes
}
