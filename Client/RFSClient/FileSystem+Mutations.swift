import Foundation
import RFSProtocol

extension FileSystem {
    /// Makes directory `path` with `permission` less the client's umask; with `createParent`
    /// the missing ancestors too (as `mkdir -p`). True when the directory exists afterwards.
    @discardableResult
    public func mkdirs(_ path: String, permission: FsPermission = .directoryDefault, createParent: Bool = true) async throws -> Bool {
        var request = Hadoop_Hdfs_MkdirsRequestProto()
        request.src = try resolve(path)
        request.masked = permission.applying(umask: umask).proto
        request.unmasked = permission.proto
        request.createParent = createParent
        return try await call("mkdirs", request, returning: Hadoop_Hdfs_MkdirsResponseProto.self, idempotent: true).result
    }

    /// Deletes `path`; a non-empty directory only when `recursive`. False when nothing was there.
    @discardableResult
    public func delete(_ path: String, recursive: Bool) async throws -> Bool {
        var request = Hadoop_Hdfs_DeleteRequestProto()
        request.src = try resolve(path)
        request.recursive = recursive
        return try await call("delete", request, returning: Hadoop_Hdfs_DeleteResponseProto.self, idempotent: false).result
    }

    /// The old `rename`: moving into an existing directory puts the source inside it; most
    /// failures (missing source, existing destination file) answer false rather than throw.
    @discardableResult
    public func rename(_ source: String, to destination: String) async throws -> Bool {
        var request = Hadoop_Hdfs_RenameRequestProto()
        request.src = try resolve(source)
        request.dst = try resolve(destination)
        return try await call("rename", request, returning: Hadoop_Hdfs_RenameResponseProto.self, idempotent: false).result
    }

    /// `rename2`: the destination is the new name itself; an existing destination is
    /// replaced only with `overwrite` (an empty directory or a file). Failures throw.
    public func rename(_ source: String, to destination: String, overwrite: Bool) async throws {
        var request = Hadoop_Hdfs_Rename2RequestProto()
        request.src = try resolve(source)
        request.dst = try resolve(destination)
        request.overwriteDest = overwrite
        _ = try await call("rename2", request, returning: Hadoop_Hdfs_Rename2ResponseProto.self, idempotent: false)
    }

    public func setPermission(_ path: String, _ permission: FsPermission) async throws {
        var request = Hadoop_Hdfs_SetPermissionRequestProto()
        request.src = try resolve(path)
        request.permission = permission.proto
        _ = try await call("setPermission", request, returning: Hadoop_Hdfs_SetPermissionResponseProto.self, idempotent: true)
    }

    /// Sets the owner, the group, or both; nil leaves that one as it is.
    public func setOwner(_ path: String, owner: String?, group: String?) async throws {
        var request = Hadoop_Hdfs_SetOwnerRequestProto()
        request.src = try resolve(path)
        if let owner { request.username = owner }
        if let group { request.groupname = group }
        _ = try await call("setOwner", request, returning: Hadoop_Hdfs_SetOwnerResponseProto.self, idempotent: true)
    }

    /// Sets a file's replication; false when `path` is not a file.
    @discardableResult
    public func setReplication(_ path: String, _ replication: Int) async throws -> Bool {
        var request = Hadoop_Hdfs_SetReplicationRequestProto()
        request.src = try resolve(path)
        request.replication = UInt32(clamping: replication)
        return try await call("setReplication", request, returning: Hadoop_Hdfs_SetReplicationResponseProto.self, idempotent: true).result
    }

    /// Sets modification and access times in milliseconds since the epoch; nil leaves one unchanged.
    public func setTimes(_ path: String, modificationTimeMs: Int64?, accessTimeMs: Int64?) async throws {
        var request = Hadoop_Hdfs_SetTimesRequestProto()
        request.src = try resolve(path)
        // HDFS's "unchanged" is -1, sent as a uint64.
        request.mtime = UInt64(bitPattern: modificationTimeMs ?? -1)
        request.atime = UInt64(bitPattern: accessTimeMs ?? -1)
        _ = try await call("setTimes", request, returning: Hadoop_Hdfs_SetTimesResponseProto.self, idempotent: true)
    }

    /// Cuts file `path` to `newLength` bytes. True when done at once; false when the last
    /// block must first be recovered (the file stays open until then).
    @discardableResult
    public func truncate(_ path: String, newLength: Int64) async throws -> Bool {
        var request = Hadoop_Hdfs_TruncateRequestProto()
        request.src = try resolve(path)
        request.newLength = UInt64(max(0, newLength))
        request.clientName = clientName
        return try await call("truncate", request, returning: Hadoop_Hdfs_TruncateResponseProto.self, idempotent: false).result
    }

    /// Appends the blocks of `sources` to `target`, then deletes the sources.
    public func concat(_ target: String, sources: [String]) async throws {
        var request = Hadoop_Hdfs_ConcatRequestProto()
        request.trg = try resolve(target)
        request.srcs = try sources.map { path throws(FileSystemError) in try resolve(path) }
        _ = try await call("concat", request, returning: Hadoop_Hdfs_ConcatResponseProto.self, idempotent: false)
    }

    /// Starts lease recovery of an open file; true when the file is closed already.
    @discardableResult
    public func recoverLease(_ path: String) async throws -> Bool {
        var request = Hadoop_Hdfs_RecoverLeaseRequestProto()
        request.src = try resolve(path)
        request.clientName = clientName
        return try await call("recoverLease", request, returning: Hadoop_Hdfs_RecoverLeaseResponseProto.self, idempotent: true).result
    }

    /// Creates (or, with `overwrite`, replaces) `path` as an empty, closed file: create then
    /// complete with no block, which needs no datanode (`-touchz`).
    public func createEmptyFile(_ path: String, overwrite: Bool = true, createParent: Bool = false,
                                permission: FsPermission = .fileDefault) async throws {
        let absolute = try resolve(path)
        let defaults = try await serverDefaults()
        // The client's dfs.replication and dfs.blocksize when set, as for a written file.
        let created = try await createFile(absolute, overwrite: overwrite, createParent: createParent,
                                           replication: configuredReplication ?? defaults.replication,
                                           blockSizeBytes: configuredBlockSizeBytes ?? defaults.blockSizeBytes, permission: permission)
        var complete = Hadoop_Hdfs_CompleteRequestProto()
        complete.src = absolute
        complete.clientName = clientName
        complete.fileID = created.fs.fileID
        // complete answers false while blocks are still being reported; an empty file has none.
        let done = try await call("complete", complete, returning: Hadoop_Hdfs_CompleteResponseProto.self, idempotent: true)
        guard done.result else {
            throw RemoteException(.ioException, "Unable to close file \(absolute): the namenode did not complete it")
        }
    }
}

extension FileSystem {
    /// ClientProtocol.create of `absolute`: the file exists, empty and leased to this client.
    func createFile(_ absolute: String, overwrite: Bool, createParent: Bool, replication: Int, blockSizeBytes: Int64,
                    permission: FsPermission) async throws -> Hadoop_Hdfs_CreateResponseProto {
        var create = Hadoop_Hdfs_CreateRequestProto()
        create.src = absolute
        create.masked = permission.applying(umask: umask).proto
        create.unmasked = permission.proto
        create.clientName = clientName
        create.createFlag = UInt32(Hadoop_Hdfs_CreateFlagProto.create.rawValue)
            | (overwrite ? UInt32(Hadoop_Hdfs_CreateFlagProto.overwrite.rawValue) : 0)
        create.createParent = createParent
        create.replication = UInt32(replication)
        create.blockSize = UInt64(blockSizeBytes)
        return try await call("create", create, returning: Hadoop_Hdfs_CreateResponseProto.self, idempotent: false)
    }

    /// Every block of `absolute` with its locations; FileNotFoundException when it is missing.
    func locatedBlocks(_ absolute: String) async throws -> Hadoop_Hdfs_LocatedBlocksProto {
        var request = Hadoop_Hdfs_GetBlockLocationsRequestProto()
        request.src = absolute
        request.offset = 0
        request.length = UInt64(Int64.max)
        let reply = try await call("getBlockLocations", request, returning: Hadoop_Hdfs_GetBlockLocationsResponseProto.self, idempotent: true)
        guard reply.hasLocations else { throw RemoteException(.fileNotFound, "File does not exist: \(absolute)") }
        return reply.locations
    }
}

extension FsPermission {
    var proto: Hadoop_Hdfs_FsPermissionProto {
        var proto = Hadoop_Hdfs_FsPermissionProto()
        proto.perm = UInt32(mode)
        return proto
    }
}
