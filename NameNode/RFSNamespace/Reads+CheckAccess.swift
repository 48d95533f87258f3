extension NamespaceReads {
    /// HDFS's `checkAccess` (FSNamesystem.checkAccess, behind `FileSystem.access`): whether
    /// `caller` may do `access` on the inode at `path`. Every directory on the way must grant
    /// execute, as for any lookup; then the inode itself must grant every bit asked for. The
    /// superuser, and everyone when permissions are off, may do anything to what exists.
    ///
    /// Throws `accessDenied` (AccessControlException) when refused and `fileNotFound`
    /// (FileNotFoundException, HDFS's "Path not found") when nothing is there.
    public func checkAccess(_ path: String, _ access: AccessBits, caller: Caller) throws {
        let checker = try checker(for: caller)
        let resolved = try resolve(path, checker: checker)
        guard let inode = resolved.inode else { throw NamespaceRejection.fileNotFound("Path not found") }
        try checker.check(inode, access, path: resolved.text)
    }
}
