import Foundation
import Hummingbird
import Logging
import RFSHTTP
import RFSModel
import Testing

/// The daemons' HTTP server (`RFSHTTP.HTTPServer`) as it stops.
@Suite struct HTTPServerTests {
    /// Connects to 127.0.0.1:`port` and closes at once; whether the connect succeeded.
    static func connectAndClose(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    @Test func closingWhileConnectionsPourInClosesEveryOne() async throws {
        let logger = Logger(label: "http-test") { _ in SwiftLogNoOpLogHandler() }
        for _ in 0..<3 {
            let server = try await HTTPServer.start(address: HostPort(host: "127.0.0.1", port: 0), name: "test", logger: logger) { _, _ in
                Response(status: .ok)
            }
            let port = server.port
            let stop = NSLock()
            nonisolated(unsafe) var stopped = false
            nonisolated(unsafe) var connects = 0
            let done = DispatchGroup()
            for _ in 0..<4 {
                done.enter()
                Thread {
                    while !stop.withLock({ stopped }) {
                        if Self.connectAndClose(port: port) { stop.withLock { connects += 1 } }
                    }
                    done.leave()
                }.start()
            }
            while stop.withLock({ connects }) < 200 { try await Task.sleep(for: .milliseconds(2)) }
            await server.close()
            stop.withLock { stopped = true }
            done.wait()
            #expect(!Self.connectAndClose(port: port), "the HTTP port still accepts after close")
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
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(server.port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        try #require(connected)
        let request = Array("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        #expect(request.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == request.count)
        var iterator = entered.makeAsyncIterator()
        _ = await iterator.next()
        await server.close()
        var endings = ended.makeAsyncIterator()
        #expect(await endings.next() == true, "the running request was not cancelled")
    }
}
