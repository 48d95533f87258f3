import Foundation
import Logging
import NIOPosix
import RFSClient
import RFSConfig
import RFSModel
import RFSNameNode
import Testing

/// The client library against a real namenode in this process (loopback RPC, a temporary
/// name directory), with a listing page of 3 entries so paging is exercised.
@Suite("FileSystem against a namenode")
struct FileSystemTests {
    static let user = "tester"

    /// Starts a namenode, runs `body` with a client whose first address refuses connections
    /// (so every session starts with a fail-over), then stops it. With `nameservice`, the
    /// client reaches the two addresses through `hdfs://<nameservice>` and the HA keys.
    func withFileSystem(nameservice: String? = nil, namenodeSettings: [String: String] = [:],
                        _ body: (FileSystem) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rfs-client-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Configuration()
        configuration.set(Keys.namenodeRPCAddress.name, "127.0.0.1:0")
        configuration.set(Keys.namenodeNameDir.name, directory.path)
        configuration.set(Keys.listingLimit.name, "3")
        for (key, value) in namenodeSettings { configuration.set(key, value) }
        let daemon = try await NameNodeDaemon.start(configuration: configuration, superuser: Self.user,
                                                    group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test.namenode"))
        var clientConfiguration = Configuration()
        clientConfiguration.set(Keys.failoverSleepBase.name, "1")
        clientConfiguration.set(Keys.failoverSleepMax.name, "5")
        let port = daemon.rpcServer.localAddress.port!
        let fs: FileSystem
        if let nameservice {
            clientConfiguration.set(Keys.nameservices.name, nameservice)
            clientConfiguration.set(Keys.haNamenodesPrefix + nameservice, "nn1,nn2")
            clientConfiguration.set(Keys.namenodeRPCAddressPrefix + nameservice + ".nn1", "127.0.0.1:1")
            clientConfiguration.set(Keys.namenodeRPCAddressPrefix + nameservice + ".nn2", "127.0.0.1:\(port)")
            fs = try FileSystem(uri: "hdfs://\(nameservice)", user: Self.user, configuration: clientConfiguration)
        } else {
            fs = try FileSystem(namenodes: [HostPort(host: "127.0.0.1", port: 1), HostPort(host: "127.0.0.1", port: port)],
                                user: Self.user, configuration: clientConfiguration)
        }
        do {
            try await body(fs)
        } catch {
            await fs.close()
            try await daemon.shutdown()
            throw error
        }
        await fs.close()
        try await daemon.shutdown()
    }

    @Test("namespace calls: mkdirs, empty files, paged listing, stat, rename, set*, summaries, delete")
    func namespaceCalls() async throws {
        try await withFileSystem { fs in
            #expect(try await fs.fileStatus("/nope") == nil)
            #expect(try await fs.mkdirs("/a/b", permission: FsPermission(mode: 0o750)))
            let names = (0..<7).map { "f\($0)" }
            for name in names { try await fs.createEmptyFile("/a/\(name)") }

            let listed = try await fs.listStatus("/a")
            #expect(listed.map(\.name) == ["b"] + names)
            #expect(listed.first?.path == "/a/b" && listed.first?.isDirectory == true)
            #expect(listed.first?.permission == FsPermission(mode: 0o750))

            let file = try #require(try await fs.fileStatus("hdfs://127.0.0.1:1/a/f0"))
            #expect(file.isFile && file.length == 0 && file.owner == Self.user && file.permission.mode == 0o644)

            // Relative paths start at /user/<user>.
            try await fs.mkdirs("work")
            #expect(try await fs.fileStatus("/user/\(Self.user)/work")?.isDirectory == true)

            #expect(try await fs.rename("/a/f0", to: "/a/b"))
            #expect(try await fs.exists("/a/b/f0"))
            #expect(try await !fs.rename("/nope", to: "/x"))
            try await fs.rename("/a/f1", to: "/a/f2", overwrite: true)
            #expect(try await !fs.exists("/a/f1"))
            await #expect(throws: RemoteException.self) { try await fs.rename("/a/f2", to: "/a/f3", overwrite: false) }

            try await fs.setPermission("/a/f2", FsPermission(mode: 0o600))
            try await fs.setOwner("/a/f2", owner: "alice", group: "staff")
            #expect(try await fs.setReplication("/a/f2", 2))
            try await fs.setTimes("/a/f2", modificationTimeMs: 1_000_000, accessTimeMs: nil)
            let changed = try #require(try await fs.fileStatus("/a/f2"))
            #expect(changed.permission.mode == 0o600 && changed.owner == "alice" && changed.group == "staff")
            #expect(changed.replication == 2 && changed.modificationTimeMs == 1_000_000)

            let summary = try await fs.contentSummary("/a")
            #expect(summary.directoryCount == 2 && summary.fileCount == 6 && summary.length == 0 && summary.quota == -1)
            #expect(try await fs.quotaUsage("/a").fileAndDirectoryCount == 8)
            #expect(try await fs.truncate("/a/f2", newLength: 0))
            #expect(try await fs.recoverLease("/a/f2"))

            let notEmpty = await #expect(throws: RemoteException.self) { try await fs.delete("/a", recursive: false) }
            #expect(notEmpty?.isPathIsNotEmptyDirectory == true)
            #expect(try await fs.delete("/a", recursive: true))
            #expect(try await !fs.delete("/a", recursive: true))
        }
    }

    @Test("failures arrive as RemoteException with the Hadoop class")
    func failures() async throws {
        try await withFileSystem { fs in
            let missingParent = await #expect(throws: RemoteException.self) {
                try await fs.mkdirs("/x/y", createParent: false)
            }
            #expect(missingParent?.isFileNotFound == true)
            let missingListing = await #expect(throws: RemoteException.self) { try await fs.listStatus("/nope") }
            #expect(missingListing?.isFileNotFound == true)
            try await fs.createEmptyFile("/f")
            let exists = await #expect(throws: RemoteException.self) { try await fs.createEmptyFile("/f", overwrite: false) }
            #expect(exists?.isFileAlreadyExists == true)
            await #expect(throws: FileSystemError.self) { try await fs.fileStatus("hdfs://elsewhere:8020/f") }
        }
    }

    @Test("an HA nameservice URI reaches the namenodes named in the configuration")
    func nameservice() async throws {
        try await withFileSystem(nameservice: "ns1") { fs in
            #expect(fs.uri.description == "hdfs://ns1")
            try await fs.mkdirs("hdfs://ns1/ha")
            #expect(try await fs.fileStatus("/ha")?.isDirectory == true)
            #expect(fs.paths.qualified("/ha") == "hdfs://ns1/ha")
        }
    }

    @Test("administration: server defaults (cached), fs stats, datanode report, safe mode")
    func administration() async throws {
        try await withFileSystem { fs in
            let defaults = try await fs.serverDefaults()
            #expect(defaults.blockSizeBytes == HDFSDefaults.blockSizeBytes && defaults.bytesPerChecksum == 512)
            #expect(try await fs.serverDefaults() == defaults)
            _ = try await fs.fsStats()
            #expect(try await fs.datanodeReport(.live).isEmpty)
            #expect(try await !fs.setSafeMode(.get))
            #expect(try await fs.setSafeMode(.enter))
            let refused = await #expect(throws: RemoteException.self) { try await fs.mkdirs("/in-safe-mode") }
            #expect(refused?.isSafeMode == true)
            #expect(try await !fs.setSafeMode(.leave))
            try await fs.refreshNodes()
        }
    }

    /// Whether a mkdirs is refused for low resources (it succeeds when safe mode is off).
    static func refusedForLowResources(_ fs: FileSystem) async throws -> Bool {
        do {
            try await fs.mkdirs("/low-\(UUID().uuidString)")
            return false
        } catch let error as RemoteException where error.isSafeMode {
            return error.message.hasPrefix("Cannot create directory /low-") && error.message.contains("Resources are low on NN")
        }
    }

    /// Polls `refusedForLowResources` for up to 10 s.
    static func eventuallyRefusedForLowResources(_ fs: FileSystem) async throws -> Bool {
        for _ in 0..<500 {
            if try await refusedForLowResources(fs) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// HDFS's NameNodeResourceChecker: a name directory with less free space than the reserve
    /// puts the namenode in safe mode, which it does not leave by itself; left by hand while
    /// space is still short, it comes back at the next check. (A reserve of 1 PiB is more than
    /// any test disk has: the check reads the real file system.)
    @Test("a name directory low on space puts the namenode in safe mode, and back after a manual leave")
    func lowResourcesSafeMode() async throws {
        let settings = [Keys.namenodeReservedBytes.name: "1p", Keys.namenodeResourceCheckInterval.name: "20ms"]
        try await withFileSystem(namenodeSettings: settings) { fs in
            let refused = try await Self.eventuallyRefusedForLowResources(fs)
            #expect(refused)
            let on = try await fs.setSafeMode(.get)
            #expect(on)
            let root = try await fs.fileStatus("/")
            #expect(root?.isDirectory == true, "reads go on in safe mode")
            let stillOn = try await fs.setSafeMode(.leave)
            #expect(!stillOn)
            let refusedAgain = try await Self.eventuallyRefusedForLowResources(fs)
            #expect(refusedAgain, "space is still short: safe mode comes back")
        }
    }
}
