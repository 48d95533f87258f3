#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibHDFS
import RFSClient

@c @implementation
public func hdfsOpenFile(_ fs: hdfsFS?, _ path: UnsafePointer<CChar>?, _ flags: Int32, _ bufferSize: Int32,
                         _ replication: Int16, _ blocksize: tSize) -> hdfsFile? {
    guard let connection = Handles.connection(fs), let text = path.text else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsOpenFile needs a filesystem and a path", nil)
    }
    let access = flags & O_ACCMODE
    guard access == O_RDONLY || access == O_WRONLY else {
        return fail(code: ENOTSUP, "java.lang.UnsupportedOperationException: hdfsOpenFile: O_RDWR is not supported; open for reading or for writing", nil)
    }
    guard replication >= 0, blocksize >= 0 else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: negative replication (\(replication)) or block size (\(blocksize))", nil)
    }
    let result = blocking { () async throws -> OpenFile in
        let absolute = try connection.absolute(text)
        let fileSystem = connection.fileSystem
        if access == O_RDONLY {
            return OpenFile(connection: connection, stream: .input(try await fileSystem.open(absolute)), path: absolute)
        }
        if flags & O_APPEND != 0 {
            let length = try await fileSystem.fileStatus(absolute)?.length ?? 0
            return OpenFile(connection: connection, stream: .output(try await fileSystem.append(absolute)), path: absolute,
                            startPosition: length)
        }
        // O_WRONLY replaces an existing file, as libhdfs does; O_EXCL refuses one.
        let stream = try await fileSystem.create(absolute, overwrite: flags & O_EXCL == 0, createParent: true,
                                                 replication: replication > 0 ? Int(replication) : nil,
                                                 blockSizeBytes: blocksize > 0 ? Int64(blocksize) : nil)
        return OpenFile(connection: connection, stream: .output(stream), path: absolute)
    }
    switch result {
    case .success(let file):
        connection.fileOpened()
        return Handles.make(file)
    case .failure(let error):
        return fail(error, nil)
    }
}

@c @implementation
public func hdfsCloseFile(_ fs: hdfsFS?, _ file: hdfsFile?) -> Int32 {
    // The file's own connection is used, not `fs`: the caller may have disconnected already.
    guard let file, let open = Handles.file(file) else {
        return fail(code: EBADF, "java.io.IOException: hdfsCloseFile of a NULL file", -1)
    }
    let result = blocking {
        switch open.stream {
        case .input(let input): await input.close()
        case .output(let output): try await output.close()
        }
    }
    let connection = open.connection
    Handles.release(file: file)
    if connection.fileClosed() {
        _ = blocking { await connection.fileSystem.close() }
    }
    if case .failure(let error) = result { return fail(error, -1) }
    return 0
}

@c @implementation
public func hdfsFileIsOpenForRead(_ file: hdfsFile?) -> Int32 {
    Handles.file(file)?.input != nil ? 1 : 0
}

@c @implementation
public func hdfsFileIsOpenForWrite(_ file: hdfsFile?) -> Int32 {
    Handles.file(file)?.output != nil ? 1 : 0
}

@c @implementation
public func hdfsUnbufferFile(_ file: hdfsFile?) -> Int32 {
    guard let open = Handles.file(file) else { return fail(code: EBADF, "java.io.IOException: hdfsUnbufferFile of a NULL file", -1) }
    guard let input = open.input else {
        return fail(code: ENOTSUP, "java.lang.UnsupportedOperationException: unbuffer of a file open for writing", -1)
    }
    _ = blocking { await input.close() }
    return 0
}

@c @implementation
public func hdfsRead(_ fs: hdfsFS?, _ file: hdfsFile?, _ buffer: UnsafeMutableRawPointer?, _ length: tSize) -> tSize {
    guard let input = readable(file, buffer, length, call: "hdfsRead") else { return -1 }
    guard length > 0 else { return 0 }
    let memory = LentMemory(bytes: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length)))
    switch blocking({ try await input.read(into: memory.bytes) }) {
    case .success(let count): return tSize(count)
    case .failure(let error): return fail(error, -1)
    }
}

@c @implementation
public func hdfsPread(_ fs: hdfsFS?, _ file: hdfsFile?, _ position: tOffset, _ buffer: UnsafeMutableRawPointer?, _ length: tSize) -> tSize {
    guard let input = readable(file, buffer, length, call: "hdfsPread") else { return -1 }
    guard position >= 0 else { return fail(code: EINVAL, "java.io.EOFException: hdfsPread at negative position \(position)", -1) }
    guard length > 0 else { return 0 }
    let memory = LentMemory(bytes: UnsafeMutableRawBufferPointer(start: buffer, count: Int(length)))
    switch blocking({ try await input.pread(offset: position, into: memory.bytes) }) {
    case .success(let count): return tSize(count)
    case .failure(let error): return fail(error, -1)
    }
}

@c @implementation
public func hdfsWrite(_ fs: hdfsFS?, _ file: hdfsFile?, _ buffer: UnsafeRawPointer?, _ length: tSize) -> tSize {
    guard let open = Handles.file(file) else { return fail(code: EBADF, "java.io.IOException: hdfsWrite to a NULL file", -1) }
    guard let output = open.output else {
        return fail(code: EBADF, "java.io.IOException: hdfsWrite: \(open.path) is open for reading", -1)
    }
    guard length >= 0, buffer != nil || length == 0 else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsWrite of \(length) bytes from \(buffer == nil ? "NULL" : "a buffer")", -1)
    }
    guard length > 0 else { return 0 }
    let memory = LentReadOnlyMemory(bytes: UnsafeRawBufferPointer(start: buffer, count: Int(length)))
    switch blocking({ try await output.write(contentsOf: memory.bytes) }) {
    case .success:
        open.advanceWritePosition(by: Int(length))
        return length
    case .failure(let error):
        return fail(error, -1)
    }
}

@c @implementation
public func hdfsFlush(_ fs: hdfsFS?, _ file: hdfsFile?) -> Int32 {
    guard let open = Handles.file(file) else { return fail(code: EBADF, "java.io.IOException: hdfsFlush of a NULL file", -1) }
    guard open.output != nil else {
        return fail(code: EBADF, "java.io.IOException: hdfsFlush: \(open.path) is open for reading", -1)
    }
    // Apache's hdfsFlush calls FSDataOutputStream.flush(), which reaches DFSOutputStream's
    // inherited FSOutputSummer.flush(): the whole chunks it holds are checksummed into the
    // packet being filled, and that packet still leaves only once it is full (or on hflush,
    // hsync, close). Nothing is sent, nothing waits, no reader sees more. Our stream cuts
    // packets from its buffer the same way, so there is nothing to do: sending a short
    // packet here would be a half hflush that HDFS does not promise, and would cost a caller
    // that flushes after every small write (as stream wrappers do) a short packet each time.
    return 0
}

@c @implementation
public func hdfsHFlush(_ fs: hdfsFS?, _ file: hdfsFile?) -> Int32 {
    flushToDatanodes(file, sync: false, call: "hdfsHFlush")
}

@c @implementation
public func hdfsHSync(_ fs: hdfsFS?, _ file: hdfsFile?) -> Int32 {
    flushToDatanodes(file, sync: true, call: "hdfsHSync")
}

@c @implementation
public func hdfsSeek(_ fs: hdfsFS?, _ file: hdfsFile?, _ desiredPos: tOffset) -> Int32 {
    guard let open = Handles.file(file) else { return fail(code: EBADF, "java.io.IOException: hdfsSeek in a NULL file", -1) }
    guard let input = open.input else {
        return fail(code: EINVAL, "java.lang.UnsupportedOperationException: hdfsSeek: \(open.path) is open for writing", -1)
    }
    switch blocking({ try await input.seek(to: desiredPos) }) {
    case .success: return 0
    case .failure(let error): return fail(error, -1)
    }
}

@c @implementation
public func hdfsTell(_ fs: hdfsFS?, _ file: hdfsFile?) -> tOffset {
    guard let open = Handles.file(file) else { return fail(code: EBADF, "java.io.IOException: hdfsTell in a NULL file", -1) }
    guard let input = open.input else { return open.bytesWritten }
    switch blocking({ await input.currentPosition }) {
    case .success(let position): return position
    case .failure(let error): return fail(error, -1)
    }
}

@c @implementation
public func hdfsAvailable(_ fs: hdfsFS?, _ file: hdfsFile?) -> Int32 {
    guard let open = Handles.file(file) else { return fail(code: EBADF, "java.io.IOException: hdfsAvailable of a NULL file", -1) }
    guard let input = open.input else {
        return fail(code: EBADF, "java.io.IOException: hdfsAvailable: \(open.path) is open for writing", -1)
    }
    switch blocking({ await input.length - input.currentPosition }) {
    case .success(let left): return Int32(clamping: left)
    case .failure(let error): return fail(error, -1)
    }
}

/// The read stream behind `file`, or nil after setting errno.
private func readable(_ file: hdfsFile?, _ buffer: UnsafeMutableRawPointer?, _ length: tSize, call: String) -> FileInputStream? {
    guard let open = Handles.file(file) else { return fail(code: EBADF, "java.io.IOException: \(call) from a NULL file", nil) }
    guard let input = open.input else {
        return fail(code: EBADF, "java.io.IOException: \(call): \(open.path) is open for writing", nil)
    }
    guard length >= 0, buffer != nil || length == 0 else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: \(call) of \(length) bytes into \(buffer == nil ? "NULL" : "a buffer")", nil)
    }
    return input
}

private func flushToDatanodes(_ file: hdfsFile?, sync: Bool, call: String) -> Int32 {
    guard let open = Handles.file(file) else { return fail(code: EBADF, "java.io.IOException: \(call) of a NULL file", -1) }
    guard let output = open.output else {
        return fail(code: EBADF, "java.io.IOException: \(call): \(open.path) is open for reading", -1)
    }
    switch blocking({ try await output.flush(sync: sync) }) {
    case .success: return 0
    case .failure(let error): return fail(error, -1)
    }
}
