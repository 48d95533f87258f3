import Foundation
import Hummingbird
import Logging
import RFSHTTP
import RFSMiniCluster
import RFSModel
import Testing

/// The daemons' HTTP server (`RFSHTTP.HTTPServer`) as it stops.
@Suite struct HTTPServerTests {
    @Test func closingWhileConnectionsPourInClosesEveryOne() async throws {
        let logger = Logger(label: "http-test") { _ in SwiftLogNoOpLogHandler() }
        for _ in 0..<3 {
            let server = try await HTTPServer.start(address: HostPort(host: "127.0.0.1", port: 0), name: "test", logger: logger) { _, _ in
                Response(status: .ok)
            }
            let port = server.port
            let hammer = ConnectionHammer(port: port, threads: 4)
            while hammer.count < 200 { try await Task.sleep(for: .milliseconds(2)) }
            await server.close()
            hammer.finish()
            #expect(!LoopbackProbe.connectAndClose(port: port), "the HTTP port still accepts after close")
        }
    }

    /// A request still running after the grace period is cut: `close` returns.
    @Test(.timeLimit(.minutes(1))) func closeCutsARequestThatOutlastsTheGracePeriod() async throws {
        let logger = Logger(label: "http-test") { _ in SwiftLogNoOpLogHandler() }
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        let (ended, endedContinuation) = AsyncStream<Bool>.makeStream()
        let server = try await HTTPServer.start(address: HostPort(host: "127.0.0.1", port: 0), name: "test", logger: logger) { _, _ in
            enteredContinuation.yield()
            let slept: Void? = try? await Task.sleep(for: .seconds(600))
            endedContinuation.yield(slept == nil)
            return Response(status: .ok)
        }
        let descriptor = try #require(LoopbackProbe.connect(port: server.port))
        defer { close(descriptor) }
        let request = Array("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        #expect(request.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == request.count)
        var iterator = entered.makeAsyncIterator()
        _ = await iterator.next()
        await server.close()
        var endings = ended.makeAsyncIterator()
        #expect(await endings.next() == true, "the running request was not cancelled")
    }
}
