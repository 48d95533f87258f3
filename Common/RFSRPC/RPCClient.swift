import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RFSModel
import RFSProtocol
import SwiftProtobuf

/// An error answer from a Hadoop RPC server, carrying its Java exception class name.
public struct RPCRemoteException: RemoteError, Equatable, CustomStringConvertible {
    public let exceptionClassName: String
    public let errorMessage: String
    public let errorCode: RPCErrorCode
    public let isFatal: Bool

    public var description: String { "\(exceptionClassName): \(errorMessage)" }
}

/// Why a call did not get an answer.
public enum RPCClientError: Error, CustomStringConvertible {
    case connectFailed(address: String, reason: String)
    case connectionClosed(address: String)
    case timedOut(method: String, after: Duration)
    case malformedReply(String)

    public var description: String {
        switch self {
        case .connectFailed(let address, let reason): "cannot connect to \(address): \(reason)"
        case .connectionClosed(let address): "connection to \(address) closed before the reply"
        case .timedOut(let method, let after): "\(method) got no reply within \(after)"
        case .malformedReply(let why): "malformed reply: \(why)"
        }
    }
}

public struct RPCClientConfiguration: Sendable {
    /// The servers to try, in order; StandbyException and connection errors move to the next.
    public var addresses: [HostPort]
    public var user: String
    /// Who really connects when `user` is impersonated (Hadoop's proxy user: a gateway acting
    /// for `user`); the server decides whether that is allowed. nil: `user` connects itself.
    public var realUser: String?
    /// Protocol named in the connection context and each request header.
    public var protocolName: String
    public var clientProtocolVersion: UInt64 = 1
    public var callTimeout: Duration = .seconds(120)
    public var connectTimeout: Duration = .seconds(20)
    public var maxFailovers: Int = 15
    public var maxRetries: Int = 10
    public var backoffBase: Duration = .milliseconds(500)
    public var backoffMax: Duration = .seconds(15)
    public var maxFrameBytes: Int = Limits.rpcFrameBytesDefault
    /// The servers keep a retry cache (HDFS's namenode does: the outcome of each call by client
    /// id and call id), so a call whose reply was lost may be sent again, with the same call
    /// id, and is answered with its first outcome rather than run twice.
    public var serversHaveRetryCache = false

    public init(addresses: [HostPort], user: String, protocolName: String) {
        self.addresses = addresses
        self.user = user
        self.protocolName = protocolName
    }
}

/// A Hadoop RPC client: typed calls over one multiplexed connection per (server, user),
/// with per-call timeouts, retries with back-off and jitter for idempotent calls, and
/// fail-over across the configured servers.
public final class RPCClient: Sendable {
    public let configuration: RPCClientConfiguration
    private let pool: RPCConnectionPool
    private let clientID: [UInt8]
    /// Index of the server that last answered, where the next call starts.
    private let activeIndex = NIOLockedValueBox(0)
    private let cachedConnections = NIOLockedValueBox<[Int: RPCConnection]>([:])
    /// Call ids are the client's, not a connection's: a call sent again (after a failover)
    /// keeps its id, which is what a server's retry cache recognizes.
    private let nextCallID = NIOLockedValueBox<Int32>(0)
    private let logger: Logger

    public init(configuration: RPCClientConfiguration, group: EventLoopGroup, logger: Logger = Logger(label: "rfs.rpc.client")) {
        precondition(!configuration.addresses.isEmpty, "an RPC client needs at least one server address")
        self.configuration = configuration
        self.pool = RPCConnectionPool(group: group, maxFrameBytes: configuration.maxFrameBytes, connectTimeout: configuration.connectTimeout)
        var generator = SystemRandomNumberGenerator()
        self.clientID = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        self.logger = logger
    }

    /// Calls `method` and decodes its reply. `idempotent` calls may be sent again after a
    /// broken connection or a timeout; others are sent again only when they provably did not run.
    public func call<Request: Message, Response: Message>(
        _ method: String, _ request: Request, returning: Response.Type = Response.self, idempotent: Bool
    ) async throws -> Response {
        let body: [UInt8] = try request.serializedBytes()
        let replyBytes = try await callRaw(method, body: body, idempotent: idempotent)
        do {
            return try Response(serializedBytes: replyBytes, partial: true)
        } catch {
            throw RPCClientError.malformedReply("cannot decode \(Response.protoMessageName): \(error)")
        }
    }

    /// Sends a call to a one-way method (`RPCServiceRegistry.registerOneWay`) of the server
    /// that last answered: returns once the request is handed to the connection's socket,
    /// with no answer to wait for. No retries and no fail-over: the protocol above must
    /// tolerate a lost message. Calls sent from one task arrive, and are handled, in order.
    public func send<Request: Message>(_ method: String, _ request: Request) async throws {
        try await sendRaw(method, body: try request.serializedBytes())
    }

    /// `send` with the request already serialized.
    public func sendRaw(_ method: String, body: [UInt8]) async throws {
        let index = activeIndex.withLockedValue { $0 } % configuration.addresses.count
        let callID = takeCallID()
        let connection = try await connection(at: index)
        try await connection.send(protocolName: configuration.protocolName, method: method, callID: callID, body: body,
                                  clientProtocolVersion: configuration.clientProtocolVersion)
    }

    /// The next call id, wrapping to 0 after Int32.max.
    private func takeCallID() -> Int32 {
        nextCallID.withLockedValue { id -> Int32 in
            let current = id
            id = id == Int32.max ? 0 : id + 1
            return current
        }
    }

    public func callRaw(_ method: String, body: [UInt8], idempotent: Bool) async throws -> [UInt8] {
        var policy = RetryPolicy(maxFailovers: configuration.maxFailovers, maxRetries: configuration.maxRetries,
                                 baseDelay: configuration.backoffBase, maxDelay: configuration.backoffMax)
        var index = activeIndex.withLockedValue { $0 } % configuration.addresses.count
        var retryCount: Int32 = 0
        var unreachable = Set<Int>()
        // Servers a standby named as the active during this call: the first time one is
        // named, go there at once (it is a pointer, not a guess worth backing off for).
        var named = Set<Int>()
        let callID = takeCallID()
        while true {
            let address = configuration.addresses[index]
            let failure: CallFailure
            let error: any Error
            do {
                let connection = try await connection(at: index)
                let reply = try await connection.call(
                    protocolName: configuration.protocolName, method: method, callID: callID, body: body,
                    clientProtocolVersion: configuration.clientProtocolVersion, retryCount: retryCount,
                    timeout: configuration.callTimeout)
                activeIndex.withLockedValue { $0 = index }
                return reply
            } catch let caught {
                error = caught
                failure = Self.classify(caught)
            }
            let decision = policy.decide(after: failure, idempotent: idempotent || configuration.serversHaveRetryCache,
                                         serverCount: configuration.addresses.count,
                                         jitter: Double.random(in: 0..<1))
            switch decision {
            case .giveUp:
                throw error
            case .retrySameServer(let delay):
                logger.debug("rpc retry", metadata: ["method": "\(method)", "server": "\(address)", "error": "\(error)", "delay": "\(delay)"])
                try await Task.sleep(for: delay)
            case .failOver(let delay):
                if failure == .connectFailed { unreachable.insert(index) }
                // A standby's hint may name the active that just died (it has not noticed
                // yet): one this call could not reach is not worth going back to.
                let hint = Self.activeNamed(in: error, among: configuration.addresses).flatMap { $0 == index || unreachable.contains($0) ? nil : $0 }
                index = hint ?? (index + 1) % configuration.addresses.count
                let freshHint = hint.map { named.insert($0).inserted } ?? false
                logger.info("rpc fail-over", metadata: ["method": "\(method)", "from": "\(address)", "to": "\(configuration.addresses[index])", "error": "\(error)"])
                if delay > .zero && !freshHint { try await Task.sleep(for: delay) }
            }
            retryCount += 1
        }
    }

    /// The open connection to server `index`: from a lock-protected cache on the hot path
    /// (no actor hop per call), from the pool when there is none or it has closed.
    private func connection(at index: Int) async throws -> RPCConnection {
        if let cached = cachedConnections.withLockedValue({ $0[index] }), cached.isActive { return cached }
        let address = configuration.addresses[index]
        // Made on the caller's own event loop when it runs on one of the group's (a task
        // that prefers an `EventLoopTaskExecutor`): its calls then write and resume on that
        // thread, with no hand-off between threads.
        let loop = pool.group.any()
        let made = try await pool.connection(to: address, user: configuration.user, realUser: configuration.realUser,
                                             protocolName: configuration.protocolName, clientID: clientID, on: loop)
        cachedConnections.withLockedValue { $0[index] = made }
        return made
    }

    /// An rfs standby names the active namenode at the end of its StandbyException's message
    /// ("…; the active namenode is nn2 (host:port)"): go there next rather than round the
    /// list, so each wrong guess does not add a back-off. Other servers' messages name none.
    static func activeNamed(in error: any Error, among addresses: [HostPort]) -> Int? {
        guard let remote = error as? RPCRemoteException, remote.exceptionClassName == HadoopException.standby.rawValue,
              let open = remote.errorMessage.lastIndex(of: "("), remote.errorMessage.hasSuffix(")") else { return nil }
        let named = remote.errorMessage[remote.errorMessage.index(after: open)..<remote.errorMessage.index(before: remote.errorMessage.endIndex)]
        return addresses.firstIndex { "\($0)" == named }
    }

    static func classify(_ error: any Error) -> CallFailure {
        switch error {
        case let remote as RPCRemoteException:
            switch remote.exceptionClassName {
            case HadoopException.standby.rawValue: return .standby
            case HadoopException.retriable.rawValue: return .retriable
            default: return .final
            }
        case RPCClientError.connectFailed: return .connectFailed
        case RPCClientError.connectionClosed, RPCClientError.timedOut: return .lostAfterSend
        default: return .final
        }
    }

    /// Closes every connection this client opened.
    public func close() async {
        await dropConnections()
    }

    /// Closes every connection this client opened; calls after this connect again. For a
    /// connection whose peer may have vanished without a reset (a call on it timed out), which
    /// would otherwise be used until TCP gives up on it, minutes later.
    public func dropConnections() async {
        cachedConnections.withLockedValue { $0.removeAll() }
        await pool.closeAll()
    }
}

/// Connections by (server, user), made once and shared by every call.
actor RPCConnectionPool {
    struct Key: Hashable {
        var address: HostPort
        var user: String
        var realUser: String?
    }

    nonisolated let group: EventLoopGroup
    private let maxFrameBytes: Int
    private let connectTimeout: Duration
    private var connections: [Key: RPCConnection] = [:]
    private var pending: [Key: Task<RPCConnection, any Error>] = [:]

    init(group: EventLoopGroup, maxFrameBytes: Int, connectTimeout: Duration) {
        self.group = group
        self.maxFrameBytes = maxFrameBytes
        self.connectTimeout = connectTimeout
    }

    /// The shared connection to `address` as `user`; a new one is made on `loop`.
    func connection(to address: HostPort, user: String, realUser: String?, protocolName: String, clientID: [UInt8],
                    on loop: any EventLoop) async throws -> RPCConnection {
        let key = Key(address: address, user: user, realUser: realUser)
        if let existing = connections[key], existing.isActive { return existing }
        if let task = pending[key] { return try await task.value }
        let task = Task { [maxFrameBytes, connectTimeout] in
            try await RPCConnection.connect(to: address, user: user, realUser: realUser, protocolName: protocolName, clientID: clientID,
                                            group: loop, maxFrameBytes: maxFrameBytes, connectTimeout: connectTimeout)
        }
        pending[key] = task
        defer { pending[key] = nil }
        let connection = try await task.value
        connections[key] = connection
        return connection
    }

    func closeAll() async {
        let all = Array(connections.values)
        connections.removeAll()
        for connection in all { await connection.close() }
    }
}

/// One client connection: preamble and connection context sent on connect, then calls
/// multiplexed by call id.
/// A connection's fatal refusal, written by its handler on the event loop and read by callers
/// on any thread.
final class ConnectionRefusal: Sendable {
    private let stored = NIOLockedValueBox<RPCRemoteException?>(nil)
    var error: RPCRemoteException? {
        get { stored.withLockedValue { $0 } }
        set { stored.withLockedValue { $0 = newValue } }
    }
}

final class RPCConnection: Sendable {
    private let channel: Channel
    /// The server's address as text, for errors (made once, not per call).
    private let addressText: String
    /// The client id as the request header carries it (made once, not per call).
    private let clientIDData: Data
    /// Each method's serialized RequestHeaderProto: it names only the method, the protocol
    /// and the version, so it is encoded once per method rather than once per call.
    private let requestHeaders = NIOLockedValueBox<[String: (protocolName: String, version: UInt64, bytes: [UInt8])]>([:])
    /// The server's fatal reply about the connection itself (a refused proxy user, say), once
    /// one came: calls that find the connection closed fail with it, not with "closed".
    private let refusal: ConnectionRefusal

    private init(channel: Channel, address: HostPort, clientID: [UInt8], refusal: ConnectionRefusal) {
        self.channel = channel
        self.addressText = "\(address)"
        self.clientIDData = Data(clientID)
        self.refusal = refusal
    }

    var isActive: Bool { channel.isActive }

    static func connect(to address: HostPort, user: String, realUser: String?, protocolName: String, clientID: [UInt8],
                        group: EventLoopGroup, maxFrameBytes: Int, connectTimeout: Duration) async throws -> RPCConnection {
        let channel: Channel
        let refusal = ConnectionRefusal()
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(connectTimeout.wholeNanoseconds))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(HadoopFrameDecoder(expectingPreamble: false, maxFrameBytes: maxFrameBytes)),
                            RPCClientHandler(address: "\(address)", refusal: refusal),
                        ])
                    }
                }
                .connect(host: address.host, port: address.port)
                .get()
        } catch {
            throw RPCClientError.connectFailed(address: "\(address)", reason: "\(error)")
        }
        // Preamble, then the connection context as call -3 (no reply is sent for it).
        var header = Hadoop_Common_RpcRequestHeaderProto()
        header.rpcKind = .rpcProtocolBuffer
        header.rpcOp = .rpcFinalPacket
        header.callID = ReservedCallID.connectionContext
        header.clientID = Data(clientID)
        header.retryCount = -1
        var context = Hadoop_Common_IpcConnectionContextProto()
        context.protocol = protocolName
        context.userInfo.effectiveUser = user
        if let realUser, realUser != user { context.userInfo.realUser = realUser }
        var frame = OutboundFrame()
        try frame.append(header)
        try frame.append(context)
        var buffer = channel.allocator.buffer(capacity: 128)
        buffer.writeBytes(HadoopPreamble().bytes)
        frame.write(into: &buffer)
        do {
            try await channel.writeAndFlush(RPCClientHandler.Outbound.raw(buffer))
        } catch {
            // The server closed the connection as it was made (it is stopping): nothing was sent.
            try? await channel.close()
            throw RPCClientError.connectFailed(address: "\(address)", reason: "\(error)")
        }
        return RPCConnection(channel: channel, address: address, clientID: clientID, refusal: refusal)
    }

    /// The frame of one call: its RPC header, the method's request header, the request.
    private func requestFrame(protocolName: String, method: String, callID: Int32, body: [UInt8], clientProtocolVersion: UInt64,
                              retryCount: Int32) throws -> OutboundFrame {
        var header = Hadoop_Common_RpcRequestHeaderProto()
        header.rpcKind = .rpcProtocolBuffer
        header.rpcOp = .rpcFinalPacket
        header.callID = callID
        header.clientID = clientIDData
        header.retryCount = retryCount
        var frame = OutboundFrame()
        try frame.append(header)
        frame.append(serialized: try requestHeader(protocolName: protocolName, method: method, clientProtocolVersion: clientProtocolVersion))
        frame.append(serialized: body)
        return frame
    }

    /// Writes a one-way call; returns once it is written to the socket (or queued behind
    /// earlier writes NIO has not finished), which paces a sender to what the peer reads.
    func send(protocolName: String, method: String, callID: Int32, body: [UInt8], clientProtocolVersion: UInt64) async throws {
        let frame = try requestFrame(protocolName: protocolName, method: method, callID: callID, body: body,
                                     clientProtocolVersion: clientProtocolVersion, retryCount: 0)
        do {
            try await channel.writeAndFlush(RPCClientHandler.Outbound.raw(frame.buffer(allocator: channel.allocator)))
        } catch {
            throw refusal.error ?? RPCClientError.connectionClosed(address: addressText)
        }
    }

    func call(protocolName: String, method: String, callID: Int32, body: [UInt8], clientProtocolVersion: UInt64,
              retryCount: Int32, timeout: Duration) async throws -> [UInt8] {
        let frame = try requestFrame(protocolName: protocolName, method: method, callID: callID, body: body,
                                     clientProtocolVersion: clientProtocolVersion, retryCount: retryCount)
        let promise = channel.eventLoop.makePromise(of: [UInt8].self)
        let call = RPCClientHandler.PendingCall(callID: callID, method: method, frame: frame.buffer(allocator: channel.allocator),
                                                promise: promise, timeout: timeout)
        // A write that fails never reached the server whole; one on a channel already closed
        // never left at all, so the call may go to another server whatever it is.
        let written = channel.eventLoop.makePromise(of: Void.self)
        let address = addressText
        let refusal = self.refusal
        written.futureResult.whenFailure { error in
            if let refused = refusal.error {
                promise.fail(refused)
            } else if let channelError = error as? ChannelError, channelError == .ioOnClosedChannel {
                promise.fail(RPCClientError.connectFailed(address: address, reason: "the connection was closed"))
            } else {
                promise.fail(RPCClientError.connectionClosed(address: address))
            }
        }
        channel.writeAndFlush(RPCClientHandler.Outbound.call(call), promise: written)
        return try await promise.futureResult.get()
    }

    func close() async {
        try? await channel.close()
    }

    private func requestHeader(protocolName: String, method: String, clientProtocolVersion: UInt64) throws -> [UInt8] {
        if let known = requestHeaders.withLockedValue({ $0[method] }), known.protocolName == protocolName,
           known.version == clientProtocolVersion {
            return known.bytes
        }
        var requestHeader = Hadoop_Common_RequestHeaderProto()
        requestHeader.methodName = method
        requestHeader.declaringClassProtocolName = protocolName
        requestHeader.clientProtocolVersion = clientProtocolVersion
        let made: [UInt8] = try requestHeader.serializedBytes()
        requestHeaders.withLockedValue { $0[method] = (protocolName, clientProtocolVersion, made) }
        return made
    }
}

import struct Foundation.Data

/// Matches replies to pending calls by call id; fails every pending call when the
/// connection closes, and each one whose timeout passes.
final class RPCClientHandler: ChannelDuplexHandler {
    typealias InboundIn = HadoopFrameDecoder.InboundOut
    typealias OutboundIn = Outbound
    typealias OutboundOut = ByteBuffer

    struct PendingCall: Sendable {
        var callID: Int32
        var method: String
        var frame: ByteBuffer
        var promise: EventLoopPromise<[UInt8]>
        var timeout: Duration
    }

    enum Outbound: Sendable {
        case raw(ByteBuffer)
        case call(PendingCall)
    }

    private struct Waiting {
        var promise: EventLoopPromise<[UInt8]>
        var method: String
        var timeout: Duration
        var sentAt: NIODeadline
        var deadline: NIODeadline
    }

    private let address: String
    private let refusal: ConnectionRefusal
    private var waiting: [Int32: Waiting] = [:]
    private var closed = false
    /// One timer per connection, armed for the earliest deadline of the calls waiting, rather
    /// than one scheduled (and then cancelled) task per call: scheduling and cancelling showed
    /// in the client's profile, and calls almost always share one timeout, so the earliest
    /// deadline is that of the oldest call and the timer fires about once per timeout.
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?
    /// When the connection last received a frame (or opened). A call that times out with
    /// nothing received on its connection since it was sent closes the connection, as Hadoop's
    /// client does when a read gets nothing for its RPC timeout: the peer may have vanished
    /// without a reset (its host died), and the connection would otherwise be reused, and time
    /// out, until TCP gave up on it minutes later. A call that is merely slow, while others are
    /// answered, leaves it open.
    private var lastHeard = NIODeadline.now()

    init(address: String, refusal: ConnectionRefusal) {
        self.address = address
        self.refusal = refusal
    }

    /// Why calls on this connection fail once it is closed.
    private var closedError: any Error { refusal.error ?? RPCClientError.connectionClosed(address: address) }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .raw(let buffer):
            context.write(wrapOutboundOut(buffer), promise: promise)
        case .call(let call):
            guard !closed else {
                // Never sent: a call may go elsewhere (or again) without being counted as one
                // that may have reached the server.
                call.promise.fail(refusal.error ?? RPCClientError.connectFailed(address: address, reason: "the connection was closed"))
                promise?.succeed(())
                return
            }
            let now = NIODeadline.now()
            let deadline = now + .nanoseconds(call.timeout.wholeNanoseconds)
            waiting[call.callID] = Waiting(promise: call.promise, method: call.method, timeout: call.timeout, sentAt: now, deadline: deadline)
            armTimer(for: deadline, channel: context.channel)
            context.write(wrapOutboundOut(call.frame), promise: promise)
        }
    }

    /// Makes sure the timer fires no later than `deadline`.
    private func armTimer(for deadline: NIODeadline, channel: any Channel) {
        if let armed = timer, armed.deadline <= deadline { return }
        timer?.task.cancel()
        let loopBound = NIOLoopBound(self, eventLoop: channel.eventLoop)
        let task = channel.eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.expireDue(channel: channel)
        }
        timer = (deadline, task)
    }

    /// Fails every call whose deadline has passed, then re-arms for the earliest left; closes
    /// the connection when nothing came on it since an expired call was sent.
    private func expireDue(channel: any Channel) {
        timer = nil
        let now = NIODeadline.now()
        var earliest: NIODeadline?
        var expired: [Waiting] = []
        for (callID, entry) in waiting {
            if entry.deadline <= now {
                waiting.removeValue(forKey: callID)
                expired.append(entry)
            } else if earliest.map({ entry.deadline < $0 }) ?? true {
                earliest = entry.deadline
            }
        }
        let silent = expired.contains { lastHeard <= $0.sentAt }
        if silent && !closed {
            // Closed before the expired callers hear of it, so that a retry finds it closed
            // and connects again. The calls still waiting fail as it closes (`channelInactive`)
            // and are sent again on a new one if they may be.
            channel.close(promise: nil)
        } else if let earliest, !closed {
            armTimer(for: earliest, channel: channel)
        }
        for entry in expired { entry.promise.fail(RPCClientError.timedOut(method: entry.method, after: entry.timeout)) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .frame(var frame) = unwrapInboundIn(data) else { return }
        lastHeard = NIODeadline.now()
        let header: Hadoop_Common_RpcResponseHeaderProto
        do {
            header = try frame.readDelimited(Hadoop_Common_RpcResponseHeaderProto.self)
        } catch {
            context.fireErrorCaught(RPCClientError.malformedReply("\(error)"))
            context.close(promise: nil)
            return
        }
        let callID = Int32(bitPattern: header.callID)
        let remoteError = RPCRemoteException(
            exceptionClassName: header.exceptionClassName, errorMessage: header.errorMsg,
            errorCode: RPCErrorCode(rawValue: header.errorDetail.rawValue) ?? .applicationError,
            isFatal: header.status == .fatal)
        guard let entry = waiting.removeValue(forKey: callID) else {
            // A fatal reply about the connection itself fails every call on it, and those
            // made after it (they may be on their way as it closes).
            if header.status == .fatal {
                refusal.error = remoteError
                failAll(with: remoteError)
                context.close(promise: nil)
            }
            return
        }
        switch header.status {
        case .success:
            do {
                if frame.readableBytes == 0 {
                    entry.promise.succeed([])
                } else if let length = try frame.readVarint(), length <= UInt64(frame.readableBytes) {
                    entry.promise.succeed(frame.readBytes(length: Int(length))!)
                } else {
                    entry.promise.fail(RPCClientError.malformedReply("reply body longer than its frame"))
                }
            } catch {
                entry.promise.fail(RPCClientError.malformedReply("\(error)"))
            }
        case .error:
            entry.promise.fail(remoteError)
        case .fatal:
            entry.promise.fail(remoteError)
            failAll(with: remoteError)
            context.close(promise: nil)
        }
    }

    private func failAll(with error: any Error) {
        let all = waiting
        waiting.removeAll()
        timer?.task.cancel()
        timer = nil
        for (_, entry) in all {
            entry.promise.fail(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        failAll(with: closedError)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
