import NIOCore
import NIOHPACK
import NIOHTTP1
import NIOHTTP2
import NIOPosix

/// A minimal gRPC client for unary calls (what etcd's own clients speak): one HTTP/2
/// connection (prior knowledge, no TLS), one stream per call, the request as a
/// length-prefixed message, the reply's message and `grpc-status` read back. The messages
/// are protobuf bytes the caller encodes (etcd's PutRequest and RangeRequest need two fields).
final class GRPCConnection: Sendable {
    private let channel: Channel
    private let multiplexer: NIOHTTP2Handler.StreamMultiplexer
    private let authority: String

    private init(channel: Channel, multiplexer: NIOHTTP2Handler.StreamMultiplexer, authority: String) {
        self.channel = channel
        self.multiplexer = multiplexer
        self.authority = authority
    }

    static func connect(host: String, port: Int, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> GRPCConnection {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port).get()
        let multiplexer = try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
            ) { stream in stream.eventLoop.makeSucceededVoidFuture() }
        }.get()
        return GRPCConnection(channel: channel, multiplexer: multiplexer, authority: "\(host):\(port)")
    }

    /// Calls `path` (`/etcdserverpb.KV/Put`) with `message`; returns the reply message's bytes.
    func unary(_ path: String, message: [UInt8]) async throws -> [UInt8] {
        let promise = channel.eventLoop.makePromise(of: GRPCReply.self)
        let stream = try await multiplexer.createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(GRPCUnaryHandler(promise: promise))
            }
        }.get()
        var headers = HPACKHeaders()
        headers.add(name: ":method", value: "POST")
        headers.add(name: ":scheme", value: "http")
        headers.add(name: ":path", value: path)
        headers.add(name: ":authority", value: authority)
        headers.add(name: "content-type", value: "application/grpc")
        headers.add(name: "te", value: "trailers")
        var body = stream.allocator.buffer(capacity: 5 + message.count)
        body.writeInteger(UInt8(0))
        body.writeInteger(UInt32(message.count))
        body.writeBytes(message)
        stream.write(HTTP2Frame.FramePayload.headers(.init(headers: headers)), promise: nil)
        stream.writeAndFlush(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(body), endStream: true)), promise: nil)
        // A call that gets no reply in time, or whose task is cancelled (Ctrl-C), closes its
        // stream, which fails the call: nothing waits forever on a promise.
        let timeout = stream.eventLoop.scheduleTask(in: .seconds(30)) { stream.close(promise: nil) }
        let reply = try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            stream.close(promise: nil)
        }
        timeout.cancel()
        guard reply.status == "0" else {
            throw BenchError("gRPC \(path) answered grpc-status \(reply.status ?? "none"): \(reply.message ?? "")")
        }
        var data = reply.body
        guard data.readableBytes >= 5, data.readInteger(as: UInt8.self) == 0, let length = data.readInteger(as: UInt32.self),
              let bytes = data.readBytes(length: Int(length)) else {
            throw BenchError("gRPC \(path): malformed reply")
        }
        return bytes
    }

    func close() async {
        try? await channel.close()
    }
}

struct GRPCReply: Sendable {
    var status: String?
    var message: String?
    var body: ByteBuffer
}

/// Collects one stream's reply: headers (a trailers-only reply carries grpc-status there),
/// data, and the trailers with grpc-status at end of stream.
private final class GRPCUnaryHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload

    private let promise: EventLoopPromise<GRPCReply>
    private var reply = GRPCReply(status: nil, message: nil, body: ByteBuffer())
    private var done = false

    init(promise: EventLoopPromise<GRPCReply>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if let status = headers.headers.first(name: "grpc-status") { reply.status = status }
            if let message = headers.headers.first(name: "grpc-message") { reply.message = message }
            if headers.endStream { finish(context) }
        case .data(let frame):
            if case .byteBuffer(var bytes) = frame.data { reply.body.writeBuffer(&bytes) }
            if frame.endStream { finish(context) }
        case .rstStream(let code):
            fail(context, BenchError("gRPC stream reset: \(code)"))
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context, BenchError("gRPC stream closed before its reply"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context, error)
    }

    private func finish(_ context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        promise.succeed(reply)
        context.close(promise: nil)
    }

    private func fail(_ context: ChannelHandlerContext, _ error: Error) {
        guard !done else { return }
        done = true
        promise.fail(error)
        context.close(promise: nil)
    }
}

/// etcd's KV messages, encoded by hand (two bytes fields each; no generated code needed).
enum EtcdMessages {
    /// PutRequest { bytes key = 1; bytes value = 2; }
    static func put(key: [UInt8], value: [UInt8]) -> [UInt8] {
        field(1, key) + field(2, value)
    }

    /// RangeRequest { bytes key = 1; } — linearizable (serializable = false), as etcd defaults.
    static func range(key: [UInt8]) -> [UInt8] {
        field(1, key)
    }

    static func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] {
        [number << 3 | 2] + varint(bytes.count) + bytes
    }

    static func varint(_ value: Int) -> [UInt8] {
        var remaining = UInt64(value)
        var out: [UInt8] = []
        while remaining >= 0x80 {
            out.append(UInt8(remaining & 0x7F) | 0x80)
            remaining >>= 7
        }
        out.append(UInt8(remaining))
        return out
    }
}
