import Logging
import NIOCore
import RFSModel
import SwiftProtobuf

/// Who is calling, and about which call: handed to every handler.
public struct RPCCallContext: Sendable {
    /// The effective user from the connection context (simple auth).
    public let user: String
    public let clientID: [UInt8]
    public let callID: Int32
    public let retryCount: Int32
    public let protocolName: String
    public let methodName: String
    public let remoteAddress: String

    public init(user: String, clientID: [UInt8], callID: Int32, retryCount: Int32, protocolName: String,
                methodName: String, remoteAddress: String) {
        self.user = user
        self.clientID = clientID
        self.callID = callID
        self.retryCount = retryCount
        self.protocolName = protocolName
        self.methodName = methodName
        self.remoteAddress = remoteAddress
    }

    /// The same caller without the call's retry identity (client id and call id): for work a
    /// handler does on the side of the call's own, which a server's retry cache must neither
    /// answer from nor record as the call's outcome.
    public var withoutRetryIdentity: RPCCallContext {
        RPCCallContext(user: user, clientID: [], callID: -1, retryCount: retryCount, protocolName: protocolName,
                       methodName: methodName, remoteAddress: remoteAddress)
    }
}

/// The methods a server answers, by (protocol name, method name), registered before the
/// server starts and immutable afterwards.
public struct RPCServiceRegistry: Sendable {
    /// A handler over serialized bytes: request in, response out.
    public typealias RawHandler = @Sendable ([UInt8], RPCCallContext) async throws -> [UInt8]

    /// A one-way handler: runs on the connection's event loop, in the order the calls
    /// arrived, and is never answered. Returns whether the request could be decoded.
    public typealias OneWayHandler = @Sendable ([UInt8], RPCCallContext) -> Bool

    private var methods: [String: [String: RawHandler]] = [:]
    private var oneWayMethods: [String: [String: OneWayHandler]] = [:]

    public init() {}

    /// Registers a typed handler. The request is decoded leniently (missing proto2
    /// `required` fields are the handler's to judge); the response is encoded strictly.
    public mutating func register<Request: Message, Response: Message>(
        protocol protocolName: String,
        method: String,
        _ handler: @escaping @Sendable (Request, RPCCallContext) async throws -> Response
    ) {
        methods[protocolName, default: [:]][method] = { bytes, context in
            let request: Request
            do {
                request = try Request(serializedBytes: bytes, partial: true)
            } catch {
                throw HadoopRemoteError(.rpcServer, "cannot decode \(Request.protoMessageName) for \(method): \(error)",
                                        code: .fatalDeserializingRequest)
            }
            let response = try await handler(request, context)
            return try response.serializedBytes()
        }
    }

    /// Registers a one-way method: the server never answers it (not even with an error; a
    /// request that cannot be decoded is logged and dropped), and calls it synchronously on
    /// the connection's event loop in the order its calls arrived, so a sender that does not
    /// wait for answers still has its messages handled in order. For messages whose loss the
    /// protocol above tolerates (Raft's), where an answer per message would only cost a
    /// write and a read at each end. The handler must not block: it hands the message on. It
    /// is given the request's size in bytes, to bound what it holds. (A call to a method a
    /// server does not have is answered with RpcNoSuchMethodException, which a one-way sender
    /// never reads: a sender learns whether its peer has the method some other way.)
    public mutating func registerOneWay<Request: Message>(
        protocol protocolName: String,
        method: String,
        logger: Logger,
        _ handler: @escaping @Sendable (Request, _ bytes: Int, RPCCallContext) -> Void
    ) {
        oneWayMethods[protocolName, default: [:]][method] = { bytes, context in
            do {
                handler(try Request(serializedBytes: bytes, partial: true), bytes.count, context)
                return true
            } catch {
                logger.warning("one-way rpc call dropped: cannot decode its request",
                               metadata: ["method": "\(method)", "from": "\(context.remoteAddress)", "error": "\(error)"])
                return false
            }
        }
    }

    /// The one-way handler of (`protocolName`, `method`), if that method is one-way.
    public func oneWayHandler(protocol protocolName: String, method: String) -> OneWayHandler? {
        oneWayMethods[protocolName]?[method]
    }

    /// Runs `check` before every method registered so far for `protocolName` (a namenode's
    /// standby refuses ClientProtocol this way); what it throws is the call's answer.
    public mutating func guardMethods(of protocolName: String, _ check: @escaping @Sendable (_ method: String) async throws -> Void) {
        guard let table = methods[protocolName] else { return }
        for (method, handler) in table {
            methods[protocolName]![method] = { bytes, context in
                try await check(method)
                return try await handler(bytes, context)
            }
        }
    }

    /// Registers a handler that works on serialized bytes itself.
    public mutating func registerRaw(protocol protocolName: String, method: String, _ handler: @escaping RawHandler) {
        methods[protocolName, default: [:]][method] = handler
    }

    public func handler(protocol protocolName: String, method: String) -> Result<RawHandler, HadoopRemoteError> {
        guard let table = methods[protocolName] else {
            return .failure(HadoopRemoteError(.noSuchProtocol, "Unknown protocol: \(protocolName)", code: .noSuchProtocol))
        }
        guard let handler = table[method] else {
            return .failure(HadoopRemoteError(.noSuchMethod, "Unknown method \(method) called on \(protocolName) protocol.",
                                              code: .noSuchMethod))
        }
        return .success(handler)
    }

    public var protocols: [String] { Set(methods.keys).union(oneWayMethods.keys).sorted() }

    public func methodNames(protocol protocolName: String) -> [String] {
        Set(methods[protocolName]?.keys.map { $0 } ?? []).union(oneWayMethods[protocolName]?.keys.map { $0 } ?? []).sorted()
    }
}
