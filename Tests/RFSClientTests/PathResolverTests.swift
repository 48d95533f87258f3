import RFSClient
import RFSModel
import Testing

@Suite("Path resolution")
struct PathResolverTests {
    let resolver = PathResolver(authority: "nn:8020", workingDirectory: "/user/alice")

    @Test("absolute, relative and qualified paths resolve to one absolute path")
    func resolves() throws {
        #expect(try resolver.resolve("/a/b") == "/a/b")
        #expect(try resolver.resolve("b/c") == "/user/alice/b/c")
        #expect(try resolver.resolve(".") == "/user/alice")
        #expect(try resolver.resolve("hdfs://nn:8020/x/y") == "/x/y")
        #expect(try resolver.resolve("hdfs://NN:8020") == "/user/alice")
        #expect(try resolver.resolve("hdfs://NN:8020/") == "/")
        #expect(try resolver.resolve("/") == "/")
    }

    @Test("dot segments, repeated and trailing slashes are normalized as Hadoop's Path does")
    func normalizes() throws {
        #expect(try resolver.resolve("/a//b/") == "/a/b")
        #expect(try resolver.resolve("/a/./b/../c") == "/a/c")
        #expect(try resolver.resolve("../../..") == "/")
        #expect(try resolver.resolve("../bob") == "/user/bob")
    }

    @Test("invalid paths are refused before any call")
    func refuses() {
        #expect(throws: FileSystemError.self) { try resolver.resolve("") }
        #expect(throws: FileSystemError.self) { try resolver.resolve("/a:b") }
        #expect(throws: FileSystemError.wrongFileSystem(path: "hdfs://other:8020/a", expected: "hdfs://nn:8020")) {
            try resolver.resolve("hdfs://other:8020/a")
        }
        #expect(throws: FileSystemError.self) { try resolver.resolve("file://nn:8020/a") }
        let tooLong = "/" + String(repeating: "a", count: Limits.pathBytesMax)
        #expect(throws: FileSystemError.self) { try resolver.resolve(tooLong) }
        let tooDeep = String(repeating: "/a", count: Limits.pathDepthMax + 1)
        #expect(throws: FileSystemError.self) { try resolver.resolve(tooDeep) }
    }

    @Test("parent and child of absolute paths")
    func parentAndChild() {
        #expect(PathResolver.parent(of: "/") == nil)
        #expect(PathResolver.parent(of: "/a") == "/")
        #expect(PathResolver.parent(of: "/a/b") == "/a")
        #expect(PathResolver.child(of: "/", named: "a") == "/a")
        #expect(PathResolver.child(of: "/a", named: "b") == "/a/b")
        #expect(resolver.qualified("/a") == "hdfs://nn:8020/a")
    }

    @Test("filesystem URIs")
    func uris() throws {
        #expect(try FileSystemURI(parsing: "hdfs://host:9000/some/path").authority == "host:9000")
        #expect(try FileSystemURI(parsing: "HDFS://ns1").authority == "ns1")
        #expect(throws: FileSystemError.self) { try FileSystemURI(parsing: "host:9000") }
        #expect(throws: FileSystemError.self) { try FileSystemURI(parsing: "s3://bucket") }
        #expect(throws: FileSystemError.self) { try FileSystemURI(parsing: "hdfs:///a") }
    }
}

@Suite("Values and errors")
struct ValueTests {
    @Test("permissions print as HDFS prints them, sticky bit included")
    func permissions() {
        #expect(FsPermission(mode: 0o755).description == "rwxr-xr-x")
        #expect(FsPermission(mode: 0o644).description == "rw-r--r--")
        #expect(FsPermission(mode: 0o1777).description == "rwxrwxrwt")
        #expect(FsPermission(mode: 0o1776).description == "rwxrwxrwT")
        #expect(FsPermission(mode: 0o644).octal == "644")
        #expect(FsPermission(mode: 0o1777).octal == "1777")
        #expect(FsPermission(mode: 0o777).applying(umask: .umaskDefault).mode == 0o755)
        #expect(FsPermission(mode: 0o7777).mode == 0o1777)
    }

    @Test("RemoteException answers what kind of failure it carries")
    func remoteException() {
        let missing = RemoteException(className: "java.io.FileNotFoundException", message: "File does not exist: /a")
        #expect(missing.isFileNotFound && !missing.isAccessControl)
        #expect(missing.simpleClassName == "FileNotFoundException")
        #expect(RemoteException(.nsQuotaExceeded, "x").isQuotaExceeded)
        #expect(RemoteException(.safeMode, "x").isSafeMode)
        #expect(RemoteException(className: "com.example.Unknown", message: "").exception == nil)
    }

    @Test("file status names come from the path")
    func statusName() {
        let status = FileStatus(path: "/a/b.txt", type: .file, permission: .fileDefault, owner: "u", group: "g")
        #expect(status.name == "b.txt" && status.isFile && !status.isDirectory)
        #expect(FileStatus(path: "/", type: .directory, permission: .directoryDefault, owner: "u", group: "g").name == "")
    }
}
