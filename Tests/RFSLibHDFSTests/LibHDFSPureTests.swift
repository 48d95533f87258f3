#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RFSClient
import RFSConfig
import Foundation
@testable import RFSLibHDFS
import Testing

@Suite("namenode names as libhdfs takes them")
struct NamenodeNameTests {
    static var configuration: Configuration {
        var configuration = Configuration()
        configuration.set("fs.defaultFS", "hdfs://default.example.com:9000")
        configuration.set("dfs.nameservices", "ns1,ns2")
        return configuration
    }

    @Test("host and port, hdfs:// URIs, default and nameservices", arguments: [
        ("127.0.0.1", 8021, "hdfs://127.0.0.1:8021"),
        ("127.0.0.1", 0, "hdfs://127.0.0.1:8020"),
        ("hdfs://h:9", 0, "hdfs://h:9"),
        ("hdfs://h", 7, "hdfs://h:7"),
        ("HDFS://h:9/some/path", 0, "hdfs://h:9"),
        ("default", 0, "hdfs://default.example.com:9000"),
        ("", 0, "hdfs://default.example.com:9000"),
        ("ns1", 0, "hdfs://ns1"),
        ("hdfs://ns2", 0, "hdfs://ns2"),
    ] as [(String, Int, String)])
    func names(nn: String, port: Int, uri: String) throws {
        #expect(try NamenodeName.uri(nn: nn, port: UInt16(port), configuration: Self.configuration) == uri)
    }

    @Test("NULL names the default filesystem; a bare fs.defaultFS gets hdfs://")
    func defaults() throws {
        #expect(try NamenodeName.uri(nn: nil, port: 0, configuration: Self.configuration) == "hdfs://default.example.com:9000")
        var bare = Configuration()
        bare.set("fs.defaultFS", "h:5")
        #expect(try NamenodeName.uri(nn: "default", port: 0, configuration: bare) == "hdfs://h:5")
        #expect(try NamenodeName.uri(nn: "default", port: 0, configuration: Configuration()) == "hdfs://localhost:8020")
    }

    @Test("other schemes and empty authorities are EINVAL")
    func refused() {
        for name in ["file:///tmp", "s3a://bucket", "hdfs:///path"] {
            do {
                let uri = try NamenodeName.uri(nn: name, port: 0, configuration: Self.configuration)
                Issue.record("\(name) was accepted as \(uri)")
            } catch {
                #expect(error.code == EINVAL)
            }
        }
    }
}

@Suite("errno from Hadoop exceptions")
struct ErrorMappingTests {
    @Test("the classes callers branch on", arguments: [
        ("java.io.FileNotFoundException", ENOENT),
        ("org.apache.hadoop.security.AccessControlException", EACCES),
        ("org.apache.hadoop.fs.FileAlreadyExistsException", EEXIST),
        ("org.apache.hadoop.fs.ParentNotDirectoryException", ENOTDIR),
        ("org.apache.hadoop.fs.PathIsNotEmptyDirectoryException", ENOTEMPTY),
        ("org.apache.hadoop.fs.InvalidPathException", EINVAL),
        ("org.apache.hadoop.hdfs.protocol.DSQuotaExceededException", EDQUOT),
        ("org.apache.hadoop.hdfs.server.namenode.SafeModeException", EROFS),
        ("java.lang.UnsupportedOperationException", ENOTSUP),
        ("java.io.IOException", EIO),
        ("com.example.SomethingNew", EIO),
    ] as [(String, Int32)])
    func exceptions(className: String, code: Int32) {
        #expect(ErrorMapping.posixCode(for: RemoteException(className: className, message: "m")) == code)
    }

    @Test("client-side errors and the text kept for hdfsGetLastExceptionRootCause")
    func clientErrors() {
        #expect(ErrorMapping.posixCode(for: FileSystemError.invalidPath("a:b", reason: "r")) == EINVAL)
        #expect(ErrorMapping.posixCode(for: FileSystemError.cannotConnect(address: "h:1", reason: "refused")) == ECONNREFUSED)
        #expect(ErrorMapping.text(for: RemoteException(className: "java.io.FileNotFoundException", message: "File does not exist: /a"))
            == "java.io.FileNotFoundException: File does not exist: /a")
    }

    @Test("the builder's keys are a layer above the site files, and the files' ${…} see them")
    func builderKeys() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-libhdfs-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            <configuration>
              <property><name>dfs.datanode.data.dir</name><value>file://${hadoop.tmp.dir}/dfs/data</value></property>
              <property><name>dfs.blocksize</name><value>64m</value></property>
            </configuration>
            """.write(to: directory.appendingPathComponent("hdfs-site.xml"), atomically: true, encoding: .utf8)
        let environment = ["HADOOP_CONF_DIR": directory.path]
        let built = try ClientSettings.load(overrides: [("hadoop.tmp.dir", "/data/tmp"), ("dfs.blocksize", "${test.size}"),
                                                        ("test.size", "2m")], environment: environment)
        #expect(built.raw("dfs.datanode.data.dir") == "file:///data/tmp/dfs/data")
        #expect(try built.get(Keys.blockSize) == 2 << 20)
        let plain = try ClientSettings.load(environment: environment)
        #expect(plain.raw("dfs.datanode.data.dir")?.hasPrefix("file:///tmp/hadoop-") == true)
    }
}
