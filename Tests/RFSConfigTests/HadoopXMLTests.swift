import Foundation
import RFSConfig
import Testing

@Suite("Hadoop XML configuration files")
struct HadoopXMLTests {
    @Test("properties in file order, with comments, descriptions, entities, CDATA and empty values")
    func properties() throws {
        let text = """
        <?xml version="1.0"?>
        <?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
        <configuration>
          <!-- <property><name>commented.out</name><value>x</value></property>
               over two lines -->
          <property>
            <name> fs.defaultFS </name>
            <value>hdfs://nn.example.com:8020</value>
            <description>where &lt;clients&gt; go</description>
          </property>
          <property><name>a.b</name><value>x &amp; y &#65;&#x42;</value><final>true</final></property>
          <property><name>empty</name><value/></property>
          <property><name>no.value</name></property>
          <property><name>raw</name><value><![CDATA[<a&b>]]></value></property>
          <property name="short" value='a b'/>
          <property><name>empty.too</name><value></value></property>
        </configuration>
        """
        let entries = try HadoopXML.properties(in: text, path: "core-site.xml")
        #expect(entries.map(\.name) == ["fs.defaultFS", "a.b", "raw", "short"])
        #expect(entries.map(\.value) == ["hdfs://nn.example.com:8020", "x & y AB", "<a&b>", "a b"])
        // Lines of the <property> tags, counted through the two-line comment.
        #expect(entries.map(\.line) == [6, 11, 14, 15])
    }

    @Test("a file that is not a configuration is refused with the line where it goes wrong")
    func malformed() {
        #expect(throws: ConfigError.xml(path: "f.xml", line: 2, reason: "<property> is not closed by </property>")) {
            try HadoopXML.properties(in: "<configuration>\n<property><name>a</name><value>1</value>", path: "f.xml")
        }
        #expect(throws: ConfigError.xml(path: "f.xml", line: 1, reason: "a comment (<!--) is not closed by -->")) {
            try HadoopXML.properties(in: "<configuration><!-- open", path: "f.xml")
        }
        #expect(throws: ConfigError.xml(path: "f.xml", line: 1, reason: "not a Hadoop configuration file: no <configuration> element")) {
            try HadoopXML.properties(in: "<html><body/></html>", path: "f.xml")
        }
        #expect(HadoopXML.looksLikeXML("\u{FEFF}  \n<?xml version=\"1.0\"?>"))
        #expect(!HadoopXML.looksLikeXML("# rfs-site.conf\ndfs.replication = 1"))
    }
}

@Suite("Configuration from Hadoop's files")
struct HadoopConfigurationTests {
    /// A fresh directory with the given files written into it.
    static func directory(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-hconf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return directory
    }

    static func xml(_ properties: [(String, String)]) -> String {
        "<?xml version=\"1.0\"?>\n<configuration>\n"
            + properties.map { "  <property><name>\($0.0)</name><value>\($0.1)</value></property>\n" }.joined()
            + "</configuration>\n"
    }

    @Test("HADOOP_CONF_DIR: core-site.xml, then hdfs-site.xml, then rfs's file, the environment and -D")
    func layering() throws {
        let hadoop = try Self.directory([
            "core-site.xml": Self.xml([("fs.defaultFS", "hdfs://core:8020"), ("dfs.replication", "5")]),
            "hdfs-site.xml": Self.xml([("dfs.replication", "4"), ("dfs.blocksize", "64m"), ("io.file.buffer.size", "8k")]),
        ])
        let rfs = try Self.directory(["rfs-site.conf": "dfs.blocksize = 32m\n"])
        defer { try? FileManager.default.removeItem(at: hadoop); try? FileManager.default.removeItem(at: rfs) }
        let conf = try Configuration.load(files: [], environment: ["HADOOP_CONF_DIR": hadoop.path, "RFS_CONF_DIR": rfs.path,
                                                                   "RFS_IO_FILE_BUFFER_SIZE": "16k"],
                                          flags: ["fs.defaultFS=hdfs://flag:1"])
        #expect(try conf.get(Keys.replication) == 4)
        #expect(conf.source(of: "dfs.replication") == .file(path: hadoop.path + "/hdfs-site.xml", line: 3))
        #expect(try conf.get(Keys.blockSize) == 32 << 20)
        #expect(try conf.get(Keys.fileBufferSize) == 16 << 10)
        #expect(conf.raw("fs.defaultFS") == "hdfs://flag:1")
    }

    @Test("-conf files in order, XML or rfs's format, over HADOOP_CONF_DIR; rfs-site.conf is not read then")
    func confFiles() throws {
        let files = try Self.directory([
            "a.xml": Self.xml([("dfs.replication", "2"), ("dfs.blocksize", "1m")]),
            "b.conf": "dfs.replication = 3\n",
            "rfs-site.conf": "dfs.blocksize = 8m\n",
            "core-site.xml": Self.xml([("fs.defaultFS", "hdfs://core:8020")]),
        ])
        defer { try? FileManager.default.removeItem(at: files) }
        let conf = try Configuration.load(files: [files.path + "/a.xml", files.path + "/b.conf"],
                                          environment: ["HADOOP_CONF_DIR": files.path, "RFS_CONF_DIR": files.path], flags: [])
        #expect(try conf.get(Keys.replication) == 3)
        #expect(try conf.get(Keys.blockSize) == 1 << 20)
        #expect(conf.raw("fs.defaultFS") == "hdfs://core:8020")
        // A value the key cannot take names the XML file and line.
        let bad = try Self.directory(["bad.xml": Self.xml([("dfs.replication", "many")])])
        defer { try? FileManager.default.removeItem(at: bad) }
        #expect(throws: ConfigError.invalidValue(key: "dfs.replication", value: "many", source: .file(path: bad.path + "/bad.xml", line: 3),
                                                 expected: Keys.replication.expected)) {
            try Configuration.load(files: [bad.path + "/bad.xml"], environment: [:], flags: []).get(Keys.replication)
        }
    }

    @Test("storage directories as Hadoop writes them: file:// URIs, [TYPE] tags on datanode directories")
    func storageDirectories() throws {
        var conf = Configuration()
        conf.set("dfs.namenode.name.dir", "file:///data/nn")
        conf.set("dfs.datanode.data.dir", "[DISK]file:///grid/0, [ssd]/grid/1 ,/grid/2,file:/grid/3")
        #expect(try conf.get(Keys.namenodeNameDir) == "/data/nn")
        #expect(try conf.get(Keys.datanodeDataDirs) == ["/grid/0", "/grid/1", "/grid/2", "/grid/3"])
        for bad in ["file:///a,file:///b", "hdfs://nn/a", "file://host/a", ""] {
            conf.set("dfs.namenode.name.dir", bad)
            #expect(throws: ConfigError.self) { try conf.get(Keys.namenodeNameDir) }
        }
        conf.set("dfs.datanode.data.dir", "[TAPE]/grid/0")
        #expect(throws: ConfigError.self) { try conf.get(Keys.datanodeDataDirs) }
    }

    @Test("Hadoop's deprecated key names set the current keys, from files and -D")
    func deprecatedNames() throws {
        let files = try Self.directory(["old.xml": Self.xml([("fs.default.name", "hdfs://old:8020"), ("dfs.block.size", "64m")])])
        defer { try? FileManager.default.removeItem(at: files) }
        let conf = try Configuration.load(files: [files.path + "/old.xml"], environment: [:], flags: ["dfs.permissions=false"])
        #expect(conf.raw("fs.defaultFS") == "hdfs://old:8020")
        #expect(try conf.get(Keys.blockSize) == 64 << 20)
        #expect(try conf.get(Keys.permissionsEnabled) == false)
    }

    @Test("${…} in values expands as Hadoop's Configuration does")
    func variables() throws {
        var conf = Configuration()
        conf.set("hadoop.tmp.dir", "/data/${env.TEAM}/tmp")
        conf.set("dfs.namenode.name.dir", "${hadoop.tmp.dir}/dfs/name")
        conf.set("fallback.unset", "${env.UNSET:-/default}")
        conf.set("fallback.empty", "${env.EMPTY:-/default}")
        conf.set("fallback.dash", "${env.EMPTY-/default}")
        conf.set("unresolved", "${no.such.key}/x")
        conf.set("loop", "${loop}")
        conf.set("nested.inner", "name")
        conf.set("nested", "${hadoop.tmp.${nested.inner}}")
        conf.set("hadoop.tmp.name", "resolved")
        let expanded = conf.expandingVariables(environment: ["TEAM": "storage", "EMPTY": ""])
        #expect(expanded.raw("dfs.namenode.name.dir") == "/data/storage/tmp/dfs/name")
        #expect(expanded.raw("fallback.unset") == "/default")
        #expect(expanded.raw("fallback.empty") == "/default")
        #expect(expanded.raw("fallback.dash") == "")
        #expect(expanded.raw("unresolved") == "${no.such.key}/x")
        #expect(expanded.raw("loop") == "${loop}")
        #expect(expanded.raw("nested") == "resolved")
        // Unset, hadoop.tmp.dir is core-default's: /tmp/hadoop-${user.name}.
        var site = Configuration()
        site.set("dfs.datanode.data.dir", "file://${hadoop.tmp.dir}/dfs/data")
        site.set("user.name", "alice")
        #expect(site.expandingVariables(environment: [:]).raw("dfs.datanode.data.dir") == "file:///tmp/hadoop-alice/dfs/data")
    }
}
