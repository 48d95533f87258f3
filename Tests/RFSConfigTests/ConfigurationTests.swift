import Foundation
import RFSConfig
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("unset keys take HDFS's defaults")
    func defaults() throws {
        let conf = Configuration()
        #expect(try conf.get(Keys.blockSize) == 128 << 20)
        #expect(try conf.get(Keys.replication) == 3)
        #expect(try conf.get(Keys.bytesPerChecksum) == 512)
        #expect(try conf.get(Keys.writePacketSize) == 65_536)
        #expect(try conf.get(Keys.namenodeRPCAddress) == HostPort(host: "0.0.0.0", port: 8020))
        #expect(try conf.get(Keys.rpcFrameBytesMax) == 128 << 20)
    }

    @Test("file values parse with Hadoop's size and duration suffixes")
    func parsing() throws {
        let conf = try Configuration(parsing: """
            # a comment
            dfs.blocksize = 256m

            dfs.replication=1
            dfs.heartbeat.interval = 500ms
            ipc.client.rpc-timeout.ms = 1500
            dfs.permissions.enabled = FALSE
            dfs.datanode.data.dir = /a , /b,,/c
            """, path: "test.conf")
        #expect(try conf.get(Keys.blockSize) == 256 << 20)
        #expect(try conf.get(Keys.replication) == 1)
        #expect(try conf.get(Keys.heartbeatInterval) == .milliseconds(500))
        #expect(try conf.get(Keys.rpcTimeout) == .milliseconds(1500))
        #expect(try conf.get(Keys.permissionsEnabled) == false)
        #expect(try conf.get(Keys.datanodeDataDirs) == ["/a", "/b", "/c"])
    }

    @Test("a bad value names the key, the file and line, and what was expected")
    func badValue() throws {
        let conf = try Configuration(parsing: "\n\ndfs.replication = three\n", path: "/etc/rfs/rfs-site.conf")
        let error = #expect(throws: ConfigError.self) { try conf.get(Keys.replication) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("dfs.replication"))
        #expect(text.contains("/etc/rfs/rfs-site.conf:3"))
        #expect(text.contains("'three'"))
        #expect(text.contains("an integer in 1...512"))
    }

    @Test("out-of-range and malformed values are refused", arguments: [
        ("dfs.blocksize", "12x"), ("dfs.blocksize", "-5"), ("dfs.blocksize", "99999999999t"),
        ("dfs.replication", "0"), ("dfs.namenode.rpc-address", "nohost"),
        ("dfs.namenode.rpc-address", "h:70000"), ("dfs.heartbeat.interval", "3 fortnights"),
        ("dfs.checksum.type", "MD5"), ("ipc.maximum.data.length", "2g"),
    ])
    func refused(key: String, value: String) throws {
        var conf = Configuration()
        conf.set(key, value)
        #expect(throws: ConfigError.self) {
            switch key {
            case "dfs.blocksize": _ = try conf.get(Keys.blockSize)
            case "dfs.replication": _ = try conf.get(Keys.replication)
            case "dfs.namenode.rpc-address": _ = try conf.get(Keys.namenodeRPCAddress)
            case "dfs.heartbeat.interval": _ = try conf.get(Keys.heartbeatInterval)
            case "dfs.checksum.type": _ = try conf.get(Keys.checksumType)
            default: _ = try conf.get(Keys.rpcFrameBytesMax)
            }
        }
    }

    @Test("the umask reads as octal or as the symbolic bits to keep, as Hadoop reads it")
    func umask() throws {
        #expect(try Configuration().get(Keys.umaskMode) == 0o022)
        var conf = Configuration()
        for (text, umask) in [("022", 0o022), ("0077", 0o077), ("000", 0), (" 027 ", 0o027), ("u=rwx,g=rx,o=", 0o027),
                              ("u=rwx,g=rwx,o=", 0o007), ("g=r-x,o=r-x,u=rwx", 0o022), ("u=,g=,o=", 0o777)] as [(String, UInt32)] {
            conf.set(Keys.umaskMode.name, text)
            #expect(try conf.get(Keys.umaskMode) == umask, "\(text)")
        }
        for bad in ["999", "1022", "u=rwx", "u=rwx,g=rx,o=,u=r", "u=rwq,g=,o=", "a=rwx,g=,o=", "", "rwxr-xr-x"] {
            conf.set(Keys.umaskMode.name, bad)
            #expect(throws: ConfigError.self, "\(bad)") { try conf.get(Keys.umaskMode) }
        }
    }

    @Test("a line that is not key = value is a syntax error with its line number")
    func syntax() {
        #expect(throws: ConfigError.syntax(path: "x.conf", line: 2, text: "just words")) {
            try Configuration(parsing: "a = b\njust words\n", path: "x.conf")
        }
    }

    @Test("environment beats file, -D beats environment")
    func layering() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("rfs-site.conf")
        try "dfs.replication = 2\ndfs.blocksize = 64m\nio.file.buffer.size = 8k\n".write(to: file, atomically: true, encoding: .utf8)

        let conf = try Configuration.load(
            file: nil,
            environment: ["RFS_CONF_DIR": dir.path, "RFS_DFS_REPLICATION": "1", "RFS_DFS_BLOCKSIZE": "32m"],
            flags: ["dfs.blocksize=1m"])
        #expect(try conf.get(Keys.replication) == 1)
        #expect(try conf.get(Keys.blockSize) == 1 << 20)
        #expect(try conf.get(Keys.fileBufferSize) == 8192)
        #expect(conf.source(of: "dfs.replication") == .environment(variable: "RFS_DFS_REPLICATION"))
        #expect(conf.source(of: "io.file.buffer.size") == .file(path: file.path, line: 3))
    }

    @Test("a missing named file is an error; a missing default file is not")
    func missingFile() throws {
        #expect(throws: ConfigError.self) {
            try Configuration.load(file: "/nonexistent/rfs-site.conf", environment: [:], flags: [])
        }
        _ = try Configuration.load(file: nil, environment: ["RFS_CONF_DIR": "/nonexistent"], flags: [])
    }

    @Test("a -D flag without '=' is refused")
    func badFlag() {
        var conf = Configuration()
        #expect(throws: ConfigError.malformedFlag("dfs.replication")) { try conf.apply(flag: "dfs.replication") }
    }

    @Test("HA nameservice resolves to its namenodes in order")
    func haEndpoints() throws {
        let conf = try Configuration(parsing: """
            dfs.nameservices = rfs
            dfs.ha.namenodes.rfs = nn1, nn2
            dfs.namenode.rpc-address.rfs.nn1 = 10.0.0.1:8020
            dfs.namenode.rpc-address.rfs.nn2 = [::1]:8021
            """, path: "ha.conf")
        let endpoints = try conf.namenodeEndpoints(forAuthority: "rfs")
        #expect(endpoints.map(\.id) == ["nn1", "nn2"])
        #expect(endpoints[1].rpcAddress == HostPort(host: "::1", port: 8021))
        #expect(try conf.namenodeEndpoints(forAuthority: "host1").first?.rpcAddress == HostPort(host: "host1", port: 8020))
    }

    @Test("a nameservice without its namenode list names the missing key")
    func haMissing() throws {
        let conf = try Configuration(parsing: "dfs.nameservices = rfs\n", path: "ha.conf")
        #expect(throws: ConfigError.missing(key: "dfs.ha.namenodes.rfs", expected: "the namenode ids of nameservice rfs, e.g. nn1,nn2,nn3")) {
            try conf.namenodeEndpoints(forAuthority: "rfs")
        }
    }

    @Test("the shipped examples parse, and rfs-site.conf documents every key")
    func shippedExamples() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let single = root.appendingPathComponent("conf/rfs-site.conf").path
        let conf = try Configuration.load(file: single, environment: [:], flags: [])
        for key in Keys.all {
            #expect(conf.raw(key) != nil, "conf/rfs-site.conf does not document \(key)")
        }
        #expect(try conf.get(Keys.blockSize) == Keys.blockSize.defaultValue)
        #expect(try conf.get(Keys.heartbeatInterval) == Keys.heartbeatInterval.defaultValue)
        #expect(try conf.get(Keys.rpcTimeout) == Keys.rpcTimeout.defaultValue)

        let ha = try Configuration.load(file: root.appendingPathComponent("conf/cluster-3nn-3dn.conf").path, environment: [:], flags: [])
        #expect(try ha.namenodeEndpoints(forAuthority: "rfs").count == 3)
    }
}
