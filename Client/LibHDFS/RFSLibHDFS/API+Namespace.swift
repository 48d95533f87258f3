#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibHDFS
import RFSClient

@c @implementation
public func hdfsExists(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?) -> Int32 {
    run(fs, path, call: "hdfsExists") { connection, absolute in
        guard try await connection.fileSystem.exists(absolute) else {
            throw RemoteException(.fileNotFound, "File does not exist: \(absolute)")
        }
        return 0
    } ?? -1
}

@c @implementation
public func hdfsDelete(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, _ recursive: Int32) -> Int32 {
    run(fs, path, call: "hdfsDelete") { connection, absolute in
        guard try await connection.fileSystem.delete(absolute, recursive: recursive != 0) else {
            throw RemoteException(.fileNotFound, "File does not exist: \(absolute)")
        }
        return 0
    } ?? -1
}

@c @implementation
public func hdfsRename(_ fs: hdfsFS?, _ oldPath: UnsafePointer<CChar>?, _ newPath: UnsafePointer<CChar>?) -> Int32 {
    guard let target = newPath.text else { return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsRename to a NULL path", -1) }
    return run(fs, oldPath, call: "hdfsRename") { connection, source in
        try await rename(connection, source, to: try connection.absolute(target))
        return 0
    } ?? -1
}

@c @implementation
public func hdfsCopy(_ srcFS: hdfsFS?, _ src: UnsafePointer<CChar>?, _ dstFS: hdfsFS?, _ dst: UnsafePointer<CChar>?) -> Int32 {
    transfer(srcFS, src, dstFS, dst, deleteSource: false, call: "hdfsCopy")
}

@c @implementation
public func hdfsMove(_ srcFS: hdfsFS?, _ src: UnsafePointer<CChar>?, _ dstFS: hdfsFS?, _ dst: UnsafePointer<CChar>?) -> Int32 {
    transfer(srcFS, src, dstFS, dst, deleteSource: true, call: "hdfsMove")
}

@c @implementation
public func hdfsCreateDirectory(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?) -> Int32 {
    run(fs, path, call: "hdfsCreateDirectory") { connection, absolute in
        guard try await connection.fileSystem.mkdirs(absolute, createParent: true) else {
            throw RemoteException(.ioException, "mkdirs of \(absolute) returned false")
        }
        return 0
    } ?? -1
}

@c @implementation
public func hdfsSetReplication(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, _ replication: Int16) -> Int32 {
    run(fs, path, call: "hdfsSetReplication") { connection, absolute in
        guard replication > 0 else { throw LibHDFSError(EINVAL, "java.lang.IllegalArgumentException: replication \(replication) is not positive") }
        guard try await connection.fileSystem.setReplication(absolute, Int(replication)) else {
            // The namenode answers false for a directory and for nothing at all.
            guard let status = try await connection.fileSystem.fileStatus(absolute) else {
                throw RemoteException(.fileNotFound, "File does not exist: \(absolute)")
            }
            throw LibHDFSError(status.isDirectory ? EISDIR : EIO, "java.io.IOException: cannot set the replication of \(absolute)")
        }
        return 0
    } ?? -1
}

@c @implementation
public func hdfsListDirectory(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, _ numEntries: UnsafeMutablePointer<Int32>?) -> UnsafeMutablePointer<hdfsFileInfo>? {
    numEntries?.pointee = 0
    guard let numEntries else { return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsListDirectory needs numEntries", nil) }
    guard let (connection, entries) = run(fs, path, call: "hdfsListDirectory", { connection, absolute in
        (connection, try await connection.fileSystem.listStatus(absolute))
    }) else { return nil }
    // An empty directory is NULL with errno 0, as libhdfs answers it.
    guard !entries.isEmpty else {
        errno = 0
        return nil
    }
    guard let infos = FileInfoArray.make(entries, connection) else { return fail(code: ENOMEM, "java.lang.OutOfMemoryError", nil) }
    numEntries.pointee = Int32(entries.count)
    return infos
}

@c @implementation
public func hdfsGetPathInfo(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?) -> UnsafeMutablePointer<hdfsFileInfo>? {
    guard let (connection, status) = run(fs, path, call: "hdfsGetPathInfo", { connection, absolute in
        guard let status = try await connection.fileSystem.fileStatus(absolute) else {
            throw RemoteException(.fileNotFound, "File does not exist: \(absolute)")
        }
        return (connection, status)
    }) else { return nil }
    return FileInfoArray.make([status], connection) ?? fail(code: ENOMEM, "java.lang.OutOfMemoryError", nil)
}

@c @implementation
public func hdfsFreeFileInfo(_ hdfsFileInfo: UnsafeMutablePointer<hdfsFileInfo>?, _ numEntries: Int32) {
    FileInfoArray.release(hdfsFileInfo, count: Int(numEntries))
}

@c @implementation
public func hdfsFileIsEncrypted(_ hdfsFileInfo: UnsafeMutablePointer<hdfsFileInfo>?) -> Int32 {
    0
}

@c @implementation
public func hdfsChown(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, _ owner: UnsafePointer<CChar>?, _ group: UnsafePointer<CChar>?) -> Int32 {
    let (owner, group) = (owner.text, group.text)
    return run(fs, path, call: "hdfsChown") { connection, absolute in
        // Neither given: nothing to change, as libhdfs answers.
        if owner != nil || group != nil { try await connection.fileSystem.setOwner(absolute, owner: owner, group: group) }
        return 0
    } ?? -1
}

@c @implementation
public func hdfsChmod(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, _ mode: Int16) -> Int32 {
    run(fs, path, call: "hdfsChmod") { connection, absolute in
        try await connection.fileSystem.setPermission(absolute, FsPermission(mode: UInt16(bitPattern: mode)))
        return 0
    } ?? -1
}

@c @implementation
public func hdfsUtime(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, _ mtime: tTime, _ atime: tTime) -> Int32 {
    run(fs, path, call: "hdfsUtime") { connection, absolute in
        try await connection.fileSystem.setTimes(absolute, modificationTimeMs: mtime == -1 ? nil : Int64(mtime) * 1000,
                                                 accessTimeMs: atime == -1 ? nil : Int64(atime) * 1000)
        return 0
    } ?? -1
}

@c @implementation
public func hdfsTruncateFile(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, _ newlength: tOffset) -> Int32 {
    run(fs, path, call: "hdfsTruncateFile") { connection, absolute in
        guard newlength >= 0 else { throw LibHDFSError(EINVAL, "org.apache.hadoop.HadoopIllegalArgumentException: Cannot truncate to a negative file size: \(newlength).") }
        return try await connection.fileSystem.truncate(absolute, newLength: newlength) ? 1 : 0
    } ?? -1
}

@c @implementation
public func hdfsGetWorkingDirectory(_ fs: hdfsFS?, _ buffer: UnsafeMutablePointer<CChar>?, _ bufferSize: Int) -> UnsafeMutablePointer<CChar>? {
    guard let connection = Handles.connection(fs), let buffer else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsGetWorkingDirectory needs a filesystem and a buffer", nil)
    }
    let text = connection.qualified(connection.workingDirectory)
    let bytes = Array(text.utf8CString)
    guard bytes.count <= bufferSize else {
        return fail(code: ERANGE, "java.lang.IllegalArgumentException: the working directory \(text) needs \(bytes.count) bytes, the buffer has \(bufferSize)", nil)
    }
    bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: bytes.count) }
    return buffer
}

@c @implementation
public func hdfsSetWorkingDirectory(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guard let connection = Handles.connection(fs), let text = path.text else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsSetWorkingDirectory needs a filesystem and a path", -1)
    }
    do {
        connection.setWorkingDirectory(try connection.absolute(text))
        return 0
    } catch {
        return fail(error, -1)
    }
}

@c @implementation
public func hdfsGetHosts(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, _ start: tOffset, _ length: tOffset) -> UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>? {
    guard let blocks = run(fs, path, call: "hdfsGetHosts", { connection, absolute in
        guard start >= 0, length >= 0 else { throw LibHDFSError(EINVAL, "java.lang.IllegalArgumentException: Invalid start or len parameter") }
        return try await connection.fileSystem.blockLocations(absolute)
            .filter { $0.offset < start + length && $0.offset + $0.lengthBytes > start }
            .map { block in block.replicas.map { replica in String(replica.address.prefix { $0 != ":" }) } }
    }) else { return nil }
    return HostLists.make(blocks)
}

@c @implementation
public func hdfsFreeHosts(_ blockHosts: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) {
    HostLists.release(blockHosts)
}

/// One call on a path: the handle and path checked, the path made absolute, the work run
/// (blocking), and a failure recorded. nil after a failure.
func run<Value: Sendable>(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, call: String,
                          _ work: @escaping @Sendable (Connection, String) async throws -> Value) -> Value? {
    guard let connection = Handles.connection(fs) else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: \(call) of a NULL filesystem", nil)
    }
    guard let text = path.text else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: \(call) of a NULL path", nil)
    }
    switch blocking({ try await work(connection, try connection.absolute(text)) }) {
    case .success(let value): return value
    case .failure(let error): return fail(error, nil)
    }
}

/// rename2 would replace less and say more; libhdfs's rename is FileSystem.rename, the old
/// call that answers false. Its false is explained here with the errno that fits.
private func rename(_ connection: Connection, _ source: String, to destination: String) async throws {
    let fileSystem = connection.fileSystem
    guard try await !fileSystem.rename(source, to: destination) else { return }
    guard try await fileSystem.exists(source) else { throw RemoteException(.fileNotFound, "rename source \(source) does not exist") }
    if try await fileSystem.exists(destination) {
        throw RemoteException(.fileAlreadyExists, "rename destination \(destination) already exists")
    }
    throw RemoteException(.ioException, "rename \(source) to \(destination) failed")
}

private func transfer(_ srcFS: hdfsFS?, _ src: UnsafePointer<CChar>?, _ dstFS: hdfsFS?, _ dst: UnsafePointer<CChar>?,
                      deleteSource: Bool, call: String) -> Int32 {
    guard let target = Handles.connection(dstFS), let destination = dst.text else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: \(call) needs a destination filesystem and path", -1)
    }
    return run(srcFS, src, call: call) { connection, source in
        try await TreeCopy(from: connection, to: target).copy(source, to: try target.absolute(destination))
        if deleteSource { _ = try await connection.fileSystem.delete(source, recursive: true) }
        return 0
    } ?? -1
}
