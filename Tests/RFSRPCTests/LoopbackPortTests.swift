@testable import RFSRPC
import Testing

@Suite struct LoopbackPortTests {
    @Test("free ports are bindable, distinct, and below the kernel's ephemeral range when there is room")
    func freePortsStayOutOfTheEphemeralRange() throws {
        let ephemeral = LoopbackPort.ephemeralRangeStart()
        #expect(ephemeral > 1024)
        var seen = Set<Int>()
        for _ in 0..<50 {
            let port = try #require(LoopbackPort.free())
            #expect(seen.insert(port).inserted)
            #expect(LoopbackPort.isBindable(port))
            if ephemeral - 1 - LoopbackPort.lowest >= 1000 {
                #expect(port >= LoopbackPort.lowest && port < ephemeral)
            }
        }
    }
}
