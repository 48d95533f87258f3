import RFSConfig
import RFSNameNode
import Testing

@Suite("How many event loops the namenode's RPC server gets")
struct RPCEventLoopCountTests {
    @Test("0 picks half the cores, at least one; a set count is used as it is")
    func automaticAndConfigured() {
        #expect([1, 2, 3, 4, 8, 64].map { NameNodeDaemon.rpcEventLoopCount(configured: 0, cores: $0) } == [1, 1, 1, 2, 4, 32])
        #expect(NameNodeDaemon.rpcEventLoopCount(configured: 3, cores: 2) == 3)
        #expect(NameNodeDaemon.rpcEventLoopCount(configured: 1, cores: 64) == 1)
    }

    @Test("the key defaults to 0 and refuses counts outside 0...256")
    func key() throws {
        #expect(try Configuration().get(Keys.namenodeRPCEventLoops) == 0)
        var configuration = Configuration()
        configuration.set("rfs.namenode.rpc.event-loops", "4")
        #expect(try configuration.get(Keys.namenodeRPCEventLoops) == 4)
        for bad in ["-1", "257", "two"] {
            configuration.set("rfs.namenode.rpc.event-loops", bad)
            #expect(throws: ConfigError.self) { try configuration.get(Keys.namenodeRPCEventLoops) }
        }
    }
}
