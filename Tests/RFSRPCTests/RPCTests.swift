import Foundation
import Logging
import NIOCore
import NIOPosix
import RFSModel
import RFSProtocol
@testable import RFSRPC
import SwiftProtobuf
import Synchronization
import Testing

let testProtocol = ProtocolNames.clientProtocol

/// A server with a few methods whose behaviour the tests steer through the request.
func startTestServer(maxFrameBytes: Int = 1 << 20,
                     authorizeProxy: (@Sendable (String, String, String) -> String?)? = nil) async throws -> RPCServer {
    var registry = RPCServiceRegistry()
    // getFileInfo: "/" is a directory; "/missing" has no status; "/slow-N" waits N ms;
    // "/denied" throws AccessControlException; "/crash" throws a non-Hadoop error.
    registry.register(protocol: testProtocol, method: "getFileInfo") {
        (request: Hadoop_Hdfs_GetFileInfoRequestProto, context: RPCCallContext) async throws -> Hadoop_Hdfs_GetFileInfoResponseProto in
        var response = Hadoop_Hdfs_GetFileInfoResponseProto()
        switch request.src {
        case "/missing":
            return response
        case "/denied":
            throw HadoopRemoteError(.accessControl, "Permission denied: user=\(context.user), access=READ, inode=\"/denied\"")
        case "/crash":
            struct Unexpected: Error {}
            throw Unexpected()
        case let path where path.hasPrefix("/slow-"):
            try await Task.sleep(for: .milliseconds(Int(path.dropFirst(6))!))
        default:
            break
        }
        var status = Hadoop_Hdfs_HdfsFileStatusProto()
        status.fileType = .isDir
        status.path = Data(request.src.utf8)
        status.length = 0
        status.permission.perm = 0o755
        status.owner = context.user
        status.group = "supergroup"
        status.modificationTime = 0
        status.accessTime = 0
        response.fs = status
        return response
    }
    return try await RPCServer.start(host: "127.0.0.1", port: 0, registry: registry,
                                     configuration: {
                                         var c = RPCServerConfiguration()
                                         c.maxFrameBytes = maxFrameBytes
                                         c.authorizeProxy = authorizeProxy
                                         return c
                                     }(),
                                     group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test.rpc"))
}

func makeClient(ports: [Int], user: String = "alice", realUser: String? = nil, timeout: Duration = .seconds(10)) -> RPCClient {
    var configuration = RPCClientConfiguration(addresses: ports.map { HostPort(host: "127.0.0.1", port: $0) },
                                               user: user, protocolName: testProtocol)
    configuration.realUser = realUser
    configuration.callTimeout = timeout
    configuration.backoffBase = .milliseconds(10)
    configuration.backoffMax = .milliseconds(50)
    configuration.maxFailovers = 4
    return RPCClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton)
}

func getFileInfo(_ client: RPCClient, _ path: String) async throws -> Hadoop_Hdfs_GetFileInfoResponseProto {
    var request = Hadoop_Hdfs_GetFileInfoRequestProto()
    request.src = path
    return try await client.call("getFileInfo", request, returning: Hadoop_Hdfs_GetFileInfoResponseProto.self, idempotent: true)
}

/// A hand-built frame: u32 length, then varint-delimited messages.
func frame(_ messages: [any Message]) throws -> [UInt8] {
    var body: [UInt8] = []
    for message in messages {
        let bytes: [UInt8] = try message.serializedBytes()
        var length = UInt64(bytes.count)
        while length >= 0x80 { body.append(UInt8(length & 0x7F) | 0x80); length >>= 7 }
        body.append(UInt8(length))
        body += bytes
    }
    let n = UInt32(body.count)
    return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + body
}

func contextFrame(user: String) throws -> [UInt8] {
    var header = Hadoop_Common_RpcRequestHeaderProto()
    header.rpcKind = .rpcProtocolBuffer
    header.rpcOp = .rpcFinalPacket
    header.callID = -3
    header.clientID = Data(repeating: 7, count: 16)
    header.retryCount = -1
    var context = Hadoop_Common_IpcConnectionContextProto()
    context.protocol = testProtocol
    context.userInfo.effectiveUser = user
    return try frame([header, context])
}

/// Parses the reply frames in `bytes`: each a response header and, on success, a body.
func replies(_ bytes: [UInt8]) throws -> [(Hadoop_Common_RpcResponseHeaderProto, [UInt8]?)] {
    var buffer = ByteBuffer(bytes: bytes)
    var out: [(Hadoop_Common_RpcResponseHeaderProto, [UInt8]?)] = []
    while let length = buffer.readInteger(as: UInt32.self) {
        guard var frame = buffer.readSlice(length: Int(length)) else { throw FramingError.truncatedMessage("reply") }
        let header = try frame.readDelimited(Hadoop_Common_RpcResponseHeaderProto.self)
        var body: [UInt8]? = nil
        if frame.readableBytes > 0, let n = try frame.readVarint() { body = frame.readBytes(length: Int(n)) }
        out.append((header, body))
    }
    return out
}

@Suite("Hadoop RPC over real sockets", .serialized)
struct RPCTests {
    @Test("a call gets its typed reply; the user comes from the connection context")
    func roundTrip() async throws {
        let server = try await startTestServer()
        let client = makeClient(ports: [server.localAddress.port!], user: "bob")
        let reply = try await getFileInfo(client, "/")
        #expect(reply.fs.fileType == .isDir)
        #expect(reply.fs.owner == "bob")
        #expect(reply.fs.permission.perm == 0o755)
        let missing = try await getFileInfo(client, "/missing")
        #expect(!missing.hasFs)
        await client.close()
        try await server.close()
    }

    @Test("a proxy connection runs as its effective user when the server allows it; a refusal reaches each call as AuthorizationException")
    func proxyUsers() async throws {
        let server = try await startTestServer { real, effective, address in
            real == "gateway" && effective == "bob" && address == "127.0.0.1" ? nil : "User: \(real) is not allowed to impersonate \(effective)"
        }
        let port = server.localAddress.port!
        let allowed = makeClient(ports: [port], user: "bob", realUser: "gateway")
        #expect(try await getFileInfo(allowed, "/").fs.owner == "bob")
        await allowed.close()
        // The refusal races the first call onto the connection; whichever wins, the call
        // must see the refusal, not a closed connection.
        for _ in 0..<20 {
            let refused = makeClient(ports: [port], user: "carol", realUser: "gateway")
            do {
                _ = try await getFileInfo(refused, "/")
                Issue.record("a refused proxy connection answered a call")
            } catch let error as RPCRemoteException {
                #expect(error.exceptionClassName == HadoopException.authorization.rawValue)
                #expect(error.errorMessage == "User: gateway is not allowed to impersonate carol")
            }
            await refused.close()
        }
        try await server.close()
        // Without rules nobody may impersonate anyone.
        let strict = try await startTestServer()
        let proxied = makeClient(ports: [strict.localAddress.port!], user: "bob", realUser: "gateway")
        await #expect(throws: RPCRemoteException.self) { try await getFileInfo(proxied, "/") }
        await proxied.close()
        try await strict.close()
    }

    @Test("many calls in flight on one connection are answered out of order, each to its caller")
    func outOfOrder() async throws {
        let server = try await startTestServer()
        let client = makeClient(ports: [server.localAddress.port!])
        let delays = (0..<40).map { (40 - $0) * 5 }
        let paths = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (i, delay) in delays.enumerated() {
                group.addTask { (i, String(decoding: try await getFileInfo(client, "/slow-\(delay)").fs.path, as: UTF8.self)) }
            }
            var results: [Int: String] = [:]
            for try await (i, path) in group { results[i] = path }
            return results
        }
        for (i, delay) in delays.enumerated() { #expect(paths[i] == "/slow-\(delay)") }
        await client.close()
        try await server.close()
    }

    @Test("errors arrive as the Hadoop exception class; the connection stays usable")
    func remoteErrors() async throws {
        let server = try await startTestServer()
        let client = makeClient(ports: [server.localAddress.port!], user: "eve")
        let denied = await #expect(throws: RPCRemoteException.self) { try await getFileInfo(client, "/denied") }
        #expect(denied?.exceptionClassName == "org.apache.hadoop.security.AccessControlException")
        #expect(denied?.errorMessage.contains("user=eve") == true)
        let crash = await #expect(throws: RPCRemoteException.self) { try await getFileInfo(client, "/crash") }
        #expect(crash?.exceptionClassName == "java.io.IOException")
        let unknown = await #expect(throws: RPCRemoteException.self) {
            _ = try await client.callRaw("noSuchMethod", body: [], idempotent: true)
        }
        #expect(unknown?.exceptionClassName == "org.apache.hadoop.ipc.RpcNoSuchMethodException")
        #expect(unknown?.errorCode == .noSuchMethod)
        #expect(try await getFileInfo(client, "/").hasFs)
        await client.close()
        try await server.close()
    }

    @Test("a call with no reply within its timeout fails with timedOut")
    func timeout() async throws {
        let server = try await startTestServer()
        var configuration = makeClient(ports: [server.localAddress.port!]).configuration
        configuration.callTimeout = .milliseconds(100)
        configuration.maxFailovers = 0
        let client = RPCClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton)
        await #expect(throws: RPCClientError.self) { try await getFileInfo(client, "/slow-2000") }
        await client.close()
        try await server.close()
    }

    @Test("a call that times out on a connection that heard nothing meanwhile closes it; the next call connects again")
    func silentConnectionIsReplaced() async throws {
        // A peer that accepts and never answers: a host that vanished without a reset looks so.
        final class Count: Sendable { let value = Mutex(0) }
        let accepted = Count()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.value.withLock { $0 += 1 }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        var configuration = makeClient(ports: [listener.localAddress!.port!]).configuration
        configuration.callTimeout = .milliseconds(200)
        configuration.maxFailovers = 0
        configuration.maxRetries = 0
        let client = RPCClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton)
        for path in ["/a", "/b"] {
            await #expect {
                _ = try await getFileInfo(client, path)
            } throws: { error in
                if case RPCClientError.timedOut = error { return true }
                return false
            }
        }
        #expect(accepted.value.withLock { $0 } == 2)
        await client.close()
        try await listener.close()
    }

    @Test("a slow call times out without closing a connection on which other calls are answered")
    func slowCallKeepsALiveConnection() async throws {
        let server = try await startTestServer()
        var configuration = makeClient(ports: [server.localAddress.port!]).configuration
        configuration.callTimeout = .seconds(2)
        configuration.maxFailovers = 0
        configuration.maxRetries = 0
        let client = RPCClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton)
        #expect(try await getFileInfo(client, "/first").fs.path == Data("/first".utf8))
        let slow = Task { try await getFileInfo(client, "/slow-5000") }
        // Calls answered back to back while the slow one waits: the connection is heard.
        var answered = 0
        let until = ContinuousClock.now + .milliseconds(2500)
        while ContinuousClock.now < until {
            #expect(try await getFileInfo(client, "/fast").fs.path == Data("/fast".utf8))
            answered += 1
        }
        await #expect {
            _ = try await slow.value
        } throws: { error in
            if case RPCClientError.timedOut = error { return true }
            return false
        }
        #expect(answered > 0)
        #expect(try await getFileInfo(client, "/after").fs.path == Data("/after".utf8))
        #expect(server.connectionsAccepted == 1)
        await client.close()
        try await server.close()
    }

    @Test("a refused connection fails over to the next server")
    func failOverOnRefused() async throws {
        let server = try await startTestServer()
        let deadPort = try await { () async throws -> Int in
            // Bind and close a server to find a port nobody listens on.
            let probe = try await startTestServer()
            let port = probe.localAddress.port!
            try await probe.close()
            return port
        }()
        let client = makeClient(ports: [deadPort, server.localAddress.port!])
        #expect(try await getFileInfo(client, "/").hasFs)
        await client.close()
        try await server.close()
    }

    @Test("StandbyException moves the client to the next server")
    func failOverOnStandby() async throws {
        var standbyRegistry = RPCServiceRegistry()
        standbyRegistry.register(protocol: testProtocol, method: "getFileInfo") {
            (_: Hadoop_Hdfs_GetFileInfoRequestProto, _: RPCCallContext) async throws -> Hadoop_Hdfs_GetFileInfoResponseProto in
            throw HadoopRemoteError(.standby, "Operation category READ is not supported in state standby")
        }
        let standby = try await RPCServer.start(host: "127.0.0.1", port: 0, registry: standbyRegistry,
                                                group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test.standby"))
        let active = try await startTestServer()
        let client = makeClient(ports: [standby.localAddress.port!, active.localAddress.port!])
        #expect(try await getFileInfo(client, "/").hasFs)
        await client.close()
        try await standby.close()
        try await active.close()
    }

    @Test("a wrong preamble is closed without a reply, and the server keeps serving")
    func wrongPreamble() async throws {
        let server = try await startTestServer()
        let socket = try RawSocket(port: server.localAddress.port!)
        socket.send(Array("xrpc\u{09}\u{00}\u{00}".utf8))
        let (bytes, closed) = socket.readUntilClose()
        #expect(closed)
        #expect(bytes.isEmpty)
        let client = makeClient(ports: [server.localAddress.port!])
        #expect(try await getFileInfo(client, "/").hasFs)
        await client.close()
        try await server.close()
    }

    @Test("an HTTP request on the RPC port is told so")
    func httpOnRPCPort() async throws {
        let server = try await startTestServer()
        let socket = try RawSocket(port: server.localAddress.port!)
        socket.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let (bytes, closed) = socket.readUntilClose()
        #expect(closed)
        #expect(String(decoding: bytes, as: UTF8.self).contains("HTTP request to a Hadoop IPC port"))
        try await server.close()
    }

    @Test("a wrong protocol version gets a FATAL version-mismatch reply and a close")
    func wrongVersion() async throws {
        let server = try await startTestServer()
        let socket = try RawSocket(port: server.localAddress.port!)
        socket.send(Array("hrpc".utf8) + [7, 0, 0])
        let (bytes, closed) = socket.readUntilClose()
        #expect(closed)
        let reply = try #require(try replies(bytes).first)
        #expect(reply.0.status == .fatal)
        #expect(reply.0.errorDetail == .fatalVersionMismatch)
        try await server.close()
    }

    @Test("a truncated frame is dropped with the connection; nothing crashes")
    func truncatedFrame() async throws {
        let server = try await startTestServer()
        let socket = try RawSocket(port: server.localAddress.port!)
        socket.send(HadoopPreamble().bytes + (try contextFrame(user: "mallory")))
        socket.send([0, 0, 0, 100] + [UInt8](repeating: 1, count: 10))
        socket.shutdownWrite()
        let (bytes, closed) = socket.readUntilClose()
        #expect(closed)
        #expect(bytes.isEmpty)
        let client = makeClient(ports: [server.localAddress.port!])
        #expect(try await getFileInfo(client, "/").hasFs)
        await client.close()
        try await server.close()
    }

    @Test("a 2 GiB length prefix is refused before allocation, with a FATAL reply")
    func hugeLengthPrefix() async throws {
        let server = try await startTestServer(maxFrameBytes: 1 << 20)
        let socket = try RawSocket(port: server.localAddress.port!)
        socket.send(HadoopPreamble().bytes + (try contextFrame(user: "mallory")))
        socket.send([0x80, 0, 0, 0])
        let (bytes, closed) = socket.readUntilClose()
        #expect(closed)
        let reply = try #require(try replies(bytes).first)
        #expect(reply.0.status == .fatal)
        #expect(reply.0.errorMsg.contains("2147483648"))
        let client = makeClient(ports: [server.localAddress.port!])
        #expect(try await getFileInfo(client, "/").hasFs)
        await client.close()
        try await server.close()
    }

    @Test("garbage where the request header should be gets a FATAL reply, not a crash")
    func garbageHeader() async throws {
        let server = try await startTestServer()
        let socket = try RawSocket(port: server.localAddress.port!)
        socket.send(HadoopPreamble().bytes + [0, 0, 0, 5, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF])
        let (bytes, closed) = socket.readUntilClose()
        #expect(closed)
        #expect(try replies(bytes).first?.0.status == .fatal)
        try await server.close()
    }

    @Test("after its connections are dropped a client connects again; an idempotent call in flight is sent again on the new one")
    func dropConnectionsReconnects() async throws {
        let server = try await startTestServer()
        let client = makeClient(ports: [server.localAddress.port!])
        #expect(try await getFileInfo(client, "/a").fs.path == Data("/a".utf8))
        let slow = Task { try await getFileInfo(client, "/slow-2000") }
        try await Task.sleep(for: .milliseconds(200))
        await client.dropConnections()
        #expect(try await slow.value.fs.path == Data("/slow-2000".utf8))
        #expect(try await getFileInfo(client, "/b").fs.path == Data("/b".utf8))
        await client.close()
        try await server.close()
    }

    @Test("one-way calls run in the order sent and are never answered, even when undecodable; two-way calls still are")
    func oneWayCalls() async throws {
        let seen = Mutex<[String]>([])
        var registry = RPCServiceRegistry()
        registry.registerOneWay(protocol: testProtocol, method: "post", logger: Logger(label: "test.rpc")) {
            (request: Hadoop_Hdfs_GetFileInfoRequestProto, bytes: Int, _: RPCCallContext) in
            #expect(bytes == (try? request.serializedBytes() as [UInt8])?.count)
            seen.withLock { $0.append(request.src) }
        }
        registry.register(protocol: testProtocol, method: "getFileInfo") {
            (request: Hadoop_Hdfs_GetFileInfoRequestProto, _: RPCCallContext) async throws -> Hadoop_Hdfs_GetFileInfoResponseProto in
            Hadoop_Hdfs_GetFileInfoResponseProto()
        }
        let server = try await RPCServer.start(host: "127.0.0.1", port: 0, registry: registry, group: MultiThreadedEventLoopGroup.singleton,
                                               logger: Logger(label: "test.rpc"))
        #expect(registry.methodNames(protocol: testProtocol) == ["getFileInfo", "post"])

        // Through the client: 200 sends, then a call; the call's answer comes after every send ran.
        let client = makeClient(ports: [server.localAddress.port!])
        for index in 0..<200 {
            var request = Hadoop_Hdfs_GetFileInfoRequestProto()
            request.src = "/\(index)"
            try await client.send("post", request)
        }
        _ = try await getFileInfo(client, "/")
        #expect(seen.withLock { $0 } == (0..<200).map { "/\($0)" })

        // On the wire: three one-way calls (the second's request is not a protobuf message),
        // then a two-way call; the only reply is the two-way call's.
        seen.withLock { $0 = [] }
        let socket = try RawSocket(port: server.localAddress.port!, receiveTimeoutSeconds: 1)
        var bytes = HadoopPreamble().bytes + (try contextFrame(user: "alice"))
        for (callID, src) in [(0, "/a"), (1, nil), (2, "/c"), (3, "/")] as [(Int32, String?)] {
            var header = Hadoop_Common_RpcRequestHeaderProto()
            header.rpcKind = .rpcProtocolBuffer
            header.rpcOp = .rpcFinalPacket
            header.callID = callID
            header.clientID = Data(repeating: 7, count: 16)
            var method = Hadoop_Common_RequestHeaderProto()
            method.methodName = callID == 3 ? "getFileInfo" : "post"
            method.declaringClassProtocolName = testProtocol
            method.clientProtocolVersion = 1
            var request = Hadoop_Hdfs_GetFileInfoRequestProto()
            request.src = src ?? ""
            var body = try frame([header, method, request])
            if src == nil {
                // The request replaced by a field header with no value: undecodable.
                body = try frame([header, method]) + [0x02, 0x0A, 0x05]
                let length = UInt32(body.count - 4)
                body.replaceSubrange(0..<4, with: [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
            }
            bytes += body
        }
        socket.send(bytes)
        let (received, closed) = socket.readUntilClose()
        #expect(!closed)
        let answers = try replies(received)
        #expect(answers.map(\.0.callID) == [3])
        #expect(answers.first?.0.status == .success)
        #expect(seen.withLock { $0 } == ["/a", "/c"])
        await client.close()
        try await server.close()
    }

    @Test("a call before the connection context is a FATAL invalid-header reply")
    func callBeforeContext() async throws {
        let server = try await startTestServer()
        let socket = try RawSocket(port: server.localAddress.port!)
        var header = Hadoop_Common_RpcRequestHeaderProto()
        header.rpcKind = .rpcProtocolBuffer
        header.callID = 0
        header.clientID = Data(repeating: 1, count: 16)
        socket.send(HadoopPreamble().bytes + (try frame([header])))
        let (bytes, _) = socket.readUntilClose()
        let reply = try #require(try replies(bytes).first)
        #expect(reply.0.status == .fatal)
        #expect(reply.0.errorDetail == .fatalInvalidRpcHeader)
        try await server.close()
    }

    @Test("SASL negotiation with simple auth: NEGOTIATE is answered SUCCESS, then calls work")
    func saslSimple() async throws {
        let server = try await startTestServer()
        let socket = try RawSocket(port: server.localAddress.port!, receiveTimeoutSeconds: 1)
        var saslHeader = Hadoop_Common_RpcRequestHeaderProto()
        saslHeader.rpcKind = .rpcProtocolBuffer
        saslHeader.rpcOp = .rpcFinalPacket
        saslHeader.callID = -33
        saslHeader.clientID = Data()
        saslHeader.retryCount = -1
        var negotiate = Hadoop_Common_RpcSaslProto()
        negotiate.state = .negotiate
        var call = Hadoop_Common_RpcRequestHeaderProto()
        call.rpcKind = .rpcProtocolBuffer
        call.rpcOp = .rpcFinalPacket
        call.callID = 0
        call.clientID = Data(repeating: 7, count: 16)
        var requestHeader = Hadoop_Common_RequestHeaderProto()
        requestHeader.methodName = "getFileInfo"
        requestHeader.declaringClassProtocolName = testProtocol
        requestHeader.clientProtocolVersion = 1
        var request = Hadoop_Hdfs_GetFileInfoRequestProto()
        request.src = "/"
        socket.send(Array("hrpc".utf8) + [9, 0, 0xDF] + (try frame([saslHeader, negotiate])) + (try contextFrame(user: "carol"))
                    + (try frame([call, requestHeader, request])))
        let (bytes, _) = socket.readUntilClose()
        let all = try replies(bytes)
        #expect(all.count == 2)
        #expect(Int32(bitPattern: all[0].0.callID) == -33)
        let sasl = try Hadoop_Common_RpcSaslProto(serializedBytes: try #require(all[0].1))
        #expect(sasl.state == .success)
        #expect(all[1].0.status == .success)
        let info = try Hadoop_Hdfs_GetFileInfoResponseProto(serializedBytes: try #require(all[1].1))
        #expect(info.fs.owner == "carol")
        try await server.close()
    }
}

@Suite("Server connection decisions (no sockets)")
struct ServerConnectionStateMachineTests {
    @Test("preamble, context, then calls")
    func happyPath() {
        var machine = ServerConnectionStateMachine()
        #expect(machine.receivedPreamble(version: 9, authProtocol: 0) == .none)
        #expect(machine.receivedFrame(.init(callID: -3, isProtocolBuffer: true, closesConnection: false)) == .readConnectionContext)
        #expect(machine.receivedConnectionContext(effectiveUser: "alice", realUser: nil) == .none)
        #expect(machine.state == .ready(user: "alice"))
        #expect(machine.receivedFrame(.init(callID: 5, isProtocolBuffer: true, closesConnection: false)) == .dispatch(callID: 5))
        #expect(machine.receivedFrame(.init(callID: -4, isProtocolBuffer: true, closesConnection: false)) == .none)
    }

    @Test("a context without a user is refused")
    func noUser() {
        var machine = ServerConnectionStateMachine()
        _ = machine.receivedPreamble(version: 9, authProtocol: 0)
        _ = machine.receivedFrame(.init(callID: -3, isProtocolBuffer: true, closesConnection: false))
        guard case .fatal(_, .fatalUnauthorized, _, _) = machine.receivedConnectionContext(effectiveUser: "", realUser: nil) else {
            Issue.record("expected a fatal unauthorized reply")
            return
        }
        #expect(machine.state == .closed)
    }

    @Test("an unknown auth protocol and a non-protobuf call kind are fatal")
    func refusals() {
        var machine = ServerConnectionStateMachine()
        guard case .fatal(_, .fatalUnauthorized, _, _) = machine.receivedPreamble(version: 9, authProtocol: 0x51) else {
            Issue.record("expected fatal unauthorized"); return
        }
        var other = ServerConnectionStateMachine()
        _ = other.receivedPreamble(version: 9, authProtocol: 0)
        guard case .fatal(_, .fatalUnsupportedSerialization, _, _) = other.receivedFrame(.init(callID: -3, isProtocolBuffer: false, closesConnection: false)) else {
            Issue.record("expected fatal unsupported serialization"); return
        }
    }

    @Test("SASL other than SIMPLE is refused")
    func saslKerberos() {
        var machine = ServerConnectionStateMachine()
        _ = machine.receivedPreamble(version: 9, authProtocol: 0xDF)
        #expect(machine.receivedFrame(.init(callID: -33, isProtocolBuffer: true, closesConnection: false)) == .readSASL)
        guard case .fatal(-33, .fatalUnauthorized, _, _) = machine.receivedSASL(.other("INITIATE KERBEROS")) else {
            Issue.record("expected fatal unauthorized"); return
        }
    }
}

@Suite("Retry and fail-over decisions (no sockets)")
struct RetryPolicyTests {
    func policy() -> RetryPolicy {
        RetryPolicy(maxFailovers: 5, maxRetries: 2, baseDelay: .milliseconds(100), maxDelay: .milliseconds(400))
    }

    @Test("fail-over is immediate for the first round of servers, then backs off with jitter, capped")
    func failoverBackoff() {
        var p = policy()
        let decisions = (0..<6).map { _ in p.decide(after: .standby, idempotent: false, serverCount: 3, jitter: 0.5) }
        #expect(decisions == [
            .failOver(after: .zero), .failOver(after: .zero), .failOver(after: .milliseconds(100)),
            .failOver(after: .milliseconds(200)), .failOver(after: .milliseconds(400)), .giveUp,
        ])
    }

    @Test("jitter spreads the delay between half and one and a half times")
    func jitter() {
        var low = policy(), high = policy()
        #expect(low.decide(after: .retriable, idempotent: true, serverCount: 1, jitter: 0) == .retrySameServer(after: .milliseconds(50)))
        #expect(high.decide(after: .retriable, idempotent: true, serverCount: 1, jitter: 0.999).retryDelayMilliseconds! > 149)
    }

    @Test("a call lost after sending is retried only when idempotent")
    func idempotency() {
        var p = policy()
        #expect(p.decide(after: .lostAfterSend, idempotent: false, serverCount: 2, jitter: 0) == .giveUp)
        #expect(p.decide(after: .lostAfterSend, idempotent: true, serverCount: 2, jitter: 0) == .failOver(after: .zero))
        #expect(p.decide(after: .connectFailed, idempotent: false, serverCount: 2, jitter: 0) != .giveUp)
        #expect(p.decide(after: .final, idempotent: true, serverCount: 2, jitter: 0) == .giveUp)
    }

    @Test("RetriableException retries the same server up to the limit")
    func retriableLimit() {
        var p = policy()
        #expect(p.decide(after: .retriable, idempotent: true, serverCount: 3, jitter: 0.5) == .retrySameServer(after: .milliseconds(100)))
        #expect(p.decide(after: .retriable, idempotent: true, serverCount: 3, jitter: 0.5) == .retrySameServer(after: .milliseconds(200)))
        #expect(p.decide(after: .retriable, idempotent: true, serverCount: 3, jitter: 0.5) == .giveUp)
    }
}

extension RetryDecision {
    var retryDelayMilliseconds: Double? {
        if case .retrySameServer(let d) = self { return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        return nil
    }
}

@Suite("Fail-over target")
struct FailoverTargetTests {
    static func standby(_ message: String) -> RPCRemoteException {
        RPCRemoteException(exceptionClassName: HadoopException.standby.rawValue, errorMessage: message, errorCode: .applicationError,
                           isFatal: false)
    }

    @Test("a standby that names the active sends the client there; anything else goes round the list")
    func activeNamed() {
        let addresses = [HostPort(host: "127.0.0.1", port: 8020), HostPort(host: "127.0.0.1", port: 8021)]
        let named = Self.standby("Operation category READ is not supported in state standby; the active namenode is nn2 (127.0.0.1:8021)")
        #expect(RPCClient.activeNamed(in: named, among: addresses) == 1)
        #expect(RPCClient.activeNamed(in: Self.standby("Operation category READ is not supported in state standby"), among: addresses) == nil)
        #expect(RPCClient.activeNamed(in: Self.standby("… the active namenode is nn9 (10.1.1.1:8020)"), among: addresses) == nil)
        let other = RPCRemoteException(exceptionClassName: "java.io.IOException", errorMessage: "x (127.0.0.1:8021)",
                                       errorCode: .applicationError, isFatal: false)
        #expect(RPCClient.activeNamed(in: other, among: addresses) == nil)
    }
}
