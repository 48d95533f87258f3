import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RFSModel
import RFSProtocol
import SwiftProtobuf

import struct Foundation.Data

/// Bounds and identity of one RPC server.
public struct RPCServerConfiguration: Sendable {
    /// Largest frame accepted (`ipc.maximum.data.length`).
    public var maxFrameBytes: Int = Limits.rpcFrameBytesDefault
    /// Calls one connection may have in flight before the server stops reading from it.
    public var maxCallsInFlightPerConnection: Int = Limits.rpcCallsInFlightPerConnectionMax
    /// Listen backlog.
    public var backlog: Int32 = 256
    /// Decides whether `realUser`, connecting from `address` (an IP address), may act as
    /// `effectiveUser` (Hadoop's proxy users): nil allows it, a message refuses the connection
    /// with AuthorizationException. nil here: no impersonation is allowed at all.
    public var authorizeProxy: (@Sendable (_ realUser: String, _ effectiveUser: String, _ address: String) -> String?)?

    public init() {}
}

/// A Hadoop-framed RPC server on SwiftNIO. Protocols register their methods in an
/// `RPCServiceRegistry`; calls on one connection run concurrently and are answered as they
/// finish, matched by call id.
public final class RPCServer: Sendable {
    public let localAddress: SocketAddress
    private let listener: Channel
    private let connections: NIOLockedValueBox<[ObjectIdentifier: Channel]>
    private let accepted: NIOLockedValueBox<Int>
    private let logger: Logger

    private init(listener: Channel, connections: NIOLockedValueBox<[ObjectIdentifier: Channel]>, accepted: NIOLockedValueBox<Int>,
                 logger: Logger) {
        self.listener = listener
        self.localAddress = listener.localAddress!
        self.connections = connections
        self.accepted = accepted
        self.logger = logger
    }

    /// Connections accepted since the server started (open or not).
    public var connectionsAccepted: Int { accepted.withLockedValue { $0 } }

    /// Binds `host:port` (port 0 picks a free one; see `localAddress`) and starts serving.
    public static func start(
        host: String,
        port: Int,
        registry: RPCServiceRegistry,
        configuration: RPCServerConfiguration = RPCServerConfiguration(),
        group: EventLoopGroup,
        logger: Logger
    ) async throws -> RPCServer {
        let connections = NIOLockedValueBox<[ObjectIdentifier: Channel]>([:])
        let accepted = NIOLockedValueBox(0)
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let key = ObjectIdentifier(channel)
                connections.withLockedValue { $0[key] = channel }
                accepted.withLockedValue { $0 += 1 }
                channel.closeFuture.whenComplete { _ in _ = connections.withLockedValue { $0.removeValue(forKey: key) } }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(HadoopFrameDecoder(expectingPreamble: true, maxFrameBytes: configuration.maxFrameBytes)),
                        RPCServerConnectionHandler(registry: registry, configuration: configuration, logger: logger),
                    ])
                }
            }
            .bind(host: host, port: port)
            .get()
        logger.info("rpc server listening", metadata: ["address": "\(listener.localAddress!)", "protocols": "\(registry.protocols.joined(separator: ","))"])
        return RPCServer(listener: listener, connections: connections, accepted: accepted, logger: logger)
    }

    /// Stops accepting, then closes every open connection.
    public func close() async throws {
        try? await listener.close()
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open { try? await channel.close() }
        logger.info("rpc server stopped", metadata: ["address": "\(localAddress)"])
    }

    /// Completes when the listening socket closes.
    public var closeFuture: EventLoopFuture<Void> { listener.closeFuture }
}

/// One connection: feeds the state machine, runs calls, writes replies.
final class RPCServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HadoopFrameDecoder.InboundOut
    typealias OutboundOut = ByteBuffer

    private var machine = ServerConnectionStateMachine()
    private let registry: RPCServiceRegistry
    private let configuration: RPCServerConfiguration
    private var logger: Logger
    private var callsInFlight = 0
    private var readingPaused = false
    private var protocolFromContext = ""
    private var taskExecutor: EventLoopTaskExecutor?
    /// The peer's address as text, made once: every call's context carries it, and
    /// formatting a socket address (NIO asks the kernel with getpeername) per call showed in
    /// the namenode's profile.
    private var peerDescription: String?
    /// The client id of the last call and its bytes (a connection's calls all carry the same).
    private var lastClientID: (data: Data, bytes: [UInt8])?
    /// While `channelRead` runs, a reply finished synchronously inside it is written without a
    /// flush; the read burst's `channelReadComplete` flushes them together, so pipelined calls
    /// on one connection cost one write system call, not one each. Any reply finished outside
    /// a `channelRead` (after a suspension) is flushed at once, and a pending flush is also
    /// scheduled on the loop, so that no reply can wait for a read that never comes.
    private var insideChannelRead = false
    private var flushPending = false
    private var flushScheduled = false
    /// Per-method metric handles, made once per connection rather than once per call.
    private var callMetrics: [String: (success: Counter, error: Counter, duration: Timer)] = [:]

    init(registry: RPCServiceRegistry, configuration: RPCServerConfiguration, logger: Logger) {
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        logger[metadataKey: "peer"] = "\(peer(context))"
        context.fireChannelActive()
    }

    private func peer(_ context: ChannelHandlerContext) -> String {
        if let known = peerDescription { return known }
        let made = context.remoteAddress.map { "\($0)" } ?? "?"
        peerDescription = made
        return made
    }

    private func clientIDBytes(_ header: Hadoop_Common_RpcRequestHeaderProto) -> [UInt8] {
        if let last = lastClientID, last.data == header.clientID { return last.bytes }
        let bytes = [UInt8](header.clientID)
        lastClientID = (header.clientID, bytes)
        return bytes
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfPending(context)
        context.fireChannelReadComplete()
    }

    private func flushIfPending(_ context: ChannelHandlerContext) {
        guard flushPending else { return }
        flushPending = false
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        insideChannelRead = true
        defer {
            insideChannelRead = false
            if flushPending && !flushScheduled {
                // Normally channelReadComplete comes first and this finds nothing to do.
                flushScheduled = true
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.execute {
                    let (handler, context) = loopBound.value
                    handler.flushScheduled = false
                    handler.flushIfPending(context)
                }
            }
        }
        switch unwrapInboundIn(data) {
        case .preamble(let preamble):
            var noFrame = ByteBuffer()
            perform(machine.receivedPreamble(version: preamble.version, authProtocol: preamble.authProtocol),
                    header: nil, frame: &noFrame, context: context)
        case .frame(var frame):
            let header: Hadoop_Common_RpcRequestHeaderProto
            do {
                header = try frame.readDelimited(Hadoop_Common_RpcRequestHeaderProto.self)
            } catch {
                sendFatalAndClose(callID: ReservedCallID.invalid, code: .fatalDeserializingRequest, exception: .fatalRPC,
                                  message: "cannot read the request header: \(error)", context: context)
                return
            }
            let action = machine.receivedFrame(.init(
                callID: header.callID,
                isProtocolBuffer: !header.hasRpcKind || header.rpcKind == .rpcProtocolBuffer,
                closesConnection: header.hasRpcOp && header.rpcOp == .rpcCloseConnection))
            perform(action, header: header, frame: &frame, context: context)
        }
    }

    private func perform(_ action: ServerConnectionStateMachine.Action, header: Hadoop_Common_RpcRequestHeaderProto?,
                         frame: inout ByteBuffer, context: ChannelHandlerContext) {
        switch action {
        case .none:
            return
        case .close(let reason):
            logger.debug("rpc connection closed", metadata: ["reason": "\(reason)"])
            context.close(promise: nil)
        case .fatal(let callID, let code, let exception, let message):
            sendFatalAndClose(callID: callID, code: code, exception: exception, message: message, context: context)
        case .replySASLSuccess:
            var sasl = Hadoop_Common_RpcSaslProto()
            sasl.state = .success
            let response = successHeader(callID: ReservedCallID.sasl, header: header)
            writeFrame(response, body: try? sasl.serializedBytes(), context: context)
        case .readSASL:
            do {
                let sasl = try frame.readDelimited(Hadoop_Common_RpcSaslProto.self)
                let state: ServerConnectionStateMachine.SASLState
                switch sasl.state {
                case .negotiate: state = .negotiate
                case .initiate where sasl.auths.first?.method == "SIMPLE": state = .initiateSimple
                default: state = .other("\(sasl.state)" + (sasl.auths.first.map { " \($0.method)" } ?? ""))
                }
                perform(machine.receivedSASL(state), header: header, frame: &frame, context: context)
            } catch {
                sendFatalAndClose(callID: ReservedCallID.sasl, code: .fatalDeserializingRequest, exception: .fatalRPC,
                                  message: "cannot read the SASL message: \(error)", context: context)
            }
        case .readConnectionContext:
            do {
                let connectionContext = try frame.readDelimited(Hadoop_Common_IpcConnectionContextProto.self)
                protocolFromContext = connectionContext.protocol
                let info = connectionContext.hasUserInfo ? connectionContext.userInfo : nil
                let effectiveUser = info?.hasEffectiveUser == true ? info?.effectiveUser : nil
                let realUser = info?.hasRealUser == true ? info?.realUser : nil
                // A proxy connection (a real user acting for another), as Hadoop's
                // Server.authorizeConnection checks it, before any call.
                if let realUser, !realUser.isEmpty, let effectiveUser, !effectiveUser.isEmpty, realUser != effectiveUser {
                    let address = context.remoteAddress?.ipAddress ?? "?"
                    let refusal = configuration.authorizeProxy.map { $0(realUser, effectiveUser, address) }
                        ?? "User: \(realUser) is not allowed to impersonate \(effectiveUser)"
                    if let refusal {
                        sendFatalAndClose(callID: ReservedCallID.connectionContext, code: .fatalUnauthorized,
                                          exception: .authorization, message: refusal, context: context)
                        return
                    }
                }
                let action = machine.receivedConnectionContext(effectiveUser: effectiveUser, realUser: realUser)
                if case .ready(let user) = machine.state { logger[metadataKey: "user"] = "\(user)" }
                perform(action, header: header, frame: &frame, context: context)
            } catch {
                sendFatalAndClose(callID: ReservedCallID.connectionContext, code: .fatalDeserializingRequest, exception: .fatalRPC,
                                  message: "cannot read the connection context: \(error)", context: context)
            }
        case .dispatch(let callID):
            guard let header, case .ready(let user) = machine.state else { return }
            dispatch(callID: callID, header: header, user: user, frame: &frame, context: context)
        }
    }

    private func dispatch(callID: Int32, header: Hadoop_Common_RpcRequestHeaderProto, user: String,
                          frame: inout ByteBuffer, context: ChannelHandlerContext) {
        let requestHeader: Hadoop_Common_RequestHeaderProto
        let body: [UInt8]
        do {
            requestHeader = try frame.readDelimited(Hadoop_Common_RequestHeaderProto.self)
            // The request itself is varint-delimited; an absent body is an empty message.
            if frame.readableBytes == 0 {
                body = []
            } else {
                guard let length = try frame.readVarint(), length <= UInt64(frame.readableBytes) else {
                    throw FramingError.truncatedMessage("request body")
                }
                body = frame.readBytes(length: Int(length))!
            }
        } catch {
            sendFatalAndClose(callID: callID, code: .fatalDeserializingRequest, exception: .fatalRPC,
                              message: "cannot read call \(callID): \(error)", context: context)
            return
        }
        let protocolName = requestHeader.declaringClassProtocolName.isEmpty ? protocolFromContext : requestHeader.declaringClassProtocolName
        let method = requestHeader.methodName
        let callContext = RPCCallContext(
            user: user, clientID: clientIDBytes(header), callID: callID, retryCount: header.retryCount,
            protocolName: protocolName, methodName: method, remoteAddress: peer(context))

        if let oneWay = registry.oneWayHandler(protocol: protocolName, method: method) {
            // Handled here, in the order the calls came, and never answered.
            let metrics = metrics(for: method)
            let started = ContinuousClock.now
            if oneWay(body, callContext) { metrics.success.increment() } else { metrics.error.increment() }
            metrics.duration.recordNanoseconds((ContinuousClock.now - started).wholeNanoseconds)
            return
        }
        let handler: RPCServiceRegistry.RawHandler
        switch registry.handler(protocol: protocolName, method: method) {
        case .success(let found): handler = found
        case .failure(let error):
            logger.debug("rpc call to an unknown method", metadata: ["protocol": "\(protocolName)", "method": "\(method)"])
            Counter(label: "rfs_rpc_calls_total", dimensions: [("method", "unknown"), ("status", "ERROR")]).increment()
            writeReply(callID: callID, header: header, outcome: .failure(error), context: context)
            return
        }

        callsInFlight += 1
        if callsInFlight >= configuration.maxCallsInFlightPerConnection && !readingPaused {
            readingPaused = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        }
        let channel = context.channel
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let started = ContinuousClock.now
        // Start on the event loop thread: decoding and any synchronous work run without a
        // thread hop. After a suspension (a WAL append, say) the call resumes on this same
        // loop, not on Swift's pool, so the reply is written where it is built: one thread
        // wake-up per call instead of two (the pool's, then the loop's).
        Task.immediate(executorPreference: loopExecutor(context.eventLoop)) {
            let outcome: Result<[UInt8], any Error>
            do { outcome = .success(try await handler(body, callContext)) } catch { outcome = .failure(error) }
            let elapsed = ContinuousClock.now - started
            if channel.eventLoop.inEventLoop {
                loopBound.value.finishCall(callID: callID, header: header, method: method, outcome: outcome, elapsed: elapsed, channel: channel)
            } else {
                channel.eventLoop.execute {
                    loopBound.value.finishCall(callID: callID, header: header, method: method, outcome: outcome, elapsed: elapsed, channel: channel)
                }
            }
        }
    }

    /// The connection's event loop as a task executor, made on the first call.
    private func loopExecutor(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        if let made = taskExecutor { return made }
        let made = EventLoopTaskExecutor(eventLoop)
        taskExecutor = made
        return made
    }

    private func finishCall(callID: Int32, header: Hadoop_Common_RpcRequestHeaderProto, method: String,
                            outcome: Result<[UInt8], any Error>, elapsed: Duration, channel: Channel) {
        callsInFlight -= 1
        let metrics = metrics(for: method)
        if case .success = outcome { metrics.success.increment() } else { metrics.error.increment() }
        metrics.duration.recordNanoseconds(elapsed.wholeNanoseconds)
        guard channel.isActive else { return }
        let (frame, fatal) = Self.replyFrame(callID: callID, header: header, outcome: outcome, allocator: channel.allocator, logger: logger)
        if fatal {
            channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
        } else if insideChannelRead {
            // Answered inside the read that brought it: channelReadComplete flushes.
            channel.write(frame, promise: nil)
            flushPending = true
        } else {
            channel.writeAndFlush(frame, promise: nil)
        }
        if readingPaused && callsInFlight < configuration.maxCallsInFlightPerConnection {
            readingPaused = false
            channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            channel.read()
        }
    }

    private func metrics(for method: String) -> (success: Counter, error: Counter, duration: Timer) {
        if let known = callMetrics[method] { return known }
        let made = (Counter(label: "rfs_rpc_calls_total", dimensions: [("method", method), ("status", "SUCCESS")]),
                    Counter(label: "rfs_rpc_calls_total", dimensions: [("method", method), ("status", "ERROR")]),
                    Timer(label: "rfs_rpc_call_duration", dimensions: [("method", method)]))
        callMetrics[method] = made
        return made
    }

    private func writeReply(callID: Int32, header: Hadoop_Common_RpcRequestHeaderProto,
                            outcome: Result<[UInt8], any Error>, context: ChannelHandlerContext) {
        let (frame, fatal) = Self.replyFrame(callID: callID, header: header, outcome: outcome, allocator: context.channel.allocator, logger: logger)
        if fatal {
            context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        }
    }

    /// The reply frame for a finished call, and whether the connection must close after it.
    static func replyFrame(callID: Int32, header: Hadoop_Common_RpcRequestHeaderProto,
                           outcome: Result<[UInt8], any Error>, allocator: ByteBufferAllocator, logger: Logger) -> (ByteBuffer, Bool) {
        var response = Hadoop_Common_RpcResponseHeaderProto()
        response.callID = UInt32(bitPattern: callID)
        response.serverIpcVersionNum = HDFSDefaults.serverIPCVersion
        response.clientID = header.clientID
        response.retryCount = header.retryCount
        var frame = OutboundFrame()
        var fatal = false
        switch outcome {
        case .success(let body):
            response.status = .success
            try! frame.append(response)
            frame.append(serialized: body)
        case .failure(let error):
            let remote = (error as? any RemoteError) ?? HadoopRemoteError(.ioException, "\(error)")
            fatal = remote.errorCode.isFatal
            response.status = fatal ? .fatal : .error
            response.exceptionClassName = remote.exceptionClassName
            response.errorMsg = remote.errorMessage
            response.errorDetail = Hadoop_Common_RpcResponseHeaderProto.RpcErrorCodeProto(rawValue: remote.errorCode.rawValue) ?? .errorApplication
            if !(error is any RemoteError) {
                logger.warning("rpc handler failed with an unexpected error", metadata: ["call": "\(callID)", "error": "\(error)"])
            }
            try! frame.append(response)
        }
        return (frame.buffer(allocator: allocator), fatal)
    }

    private func successHeader(callID: Int32, header: Hadoop_Common_RpcRequestHeaderProto?) -> Hadoop_Common_RpcResponseHeaderProto {
        var response = Hadoop_Common_RpcResponseHeaderProto()
        response.callID = UInt32(bitPattern: callID)
        response.status = .success
        response.serverIpcVersionNum = HDFSDefaults.serverIPCVersion
        if let header {
            response.clientID = header.clientID
            response.retryCount = header.retryCount
        }
        return response
    }

    private func writeFrame(_ response: Hadoop_Common_RpcResponseHeaderProto, body: [UInt8]?, context: ChannelHandlerContext) {
        var frame = OutboundFrame()
        try! frame.append(response)
        if let body { frame.append(serialized: body) }
        context.writeAndFlush(wrapOutboundOut(frame.buffer(allocator: context.channel.allocator)), promise: nil)
    }

    private func sendFatalAndClose(callID: Int32, code: RPCErrorCode, exception: HadoopException, message: String,
                                   context: ChannelHandlerContext) {
        logger.warning("rpc connection refused", metadata: ["reason": "\(message)"])
        var response = Hadoop_Common_RpcResponseHeaderProto()
        response.callID = UInt32(bitPattern: callID)
        response.status = .fatal
        response.serverIpcVersionNum = HDFSDefaults.serverIPCVersion
        response.exceptionClassName = exception.rawValue
        response.errorMsg = message
        response.errorDetail = Hadoop_Common_RpcResponseHeaderProto.RpcErrorCodeProto(rawValue: code.rawValue) ?? .fatalUnknown
        var frame = OutboundFrame()
        try! frame.append(response)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame.buffer(allocator: channel.allocator))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case FramingError.badMagic(let bytes) where bytes.starts(with: Array("GET ".utf8)) || bytes.starts(with: Array("POST".utf8)):
            // Someone pointed a browser or curl at the RPC port: tell them, as Hadoop does.
            logger.warning("rpc connection refused", metadata: ["reason": "HTTP request on the RPC port"])
            let text = "It looks like you are making an HTTP request to a Hadoop IPC port. "
                + "This is not the correct port for the web interface on this daemon.\r\n"
            let reply = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n" + text
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: reply))).whenComplete { _ in channel.close(promise: nil) }
        case let framing as FramingError:
            if case .frameTooLarge = framing {
                sendFatalAndClose(callID: ReservedCallID.invalid, code: .fatalInvalidRPCHeader, exception: .fatalRPC,
                                  message: "\(framing)", context: context)
            } else {
                logger.warning("rpc connection refused", metadata: ["reason": "\(framing)"])
                context.close(promise: nil)
            }
        case let io as IOError where io.errnoCode == ECONNRESET || io.errnoCode == EPIPE:
            context.close(promise: nil)
        default:
            logger.warning("rpc connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }
}
