#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CDomainSocket
import RFSDataTransfer
import SwiftProtobuf
import Synchronization

/// A blocking Unix domain socket, the client's end of a short-circuit request: connect, send
/// the op request, read the varint-delimited reply, receive the descriptors. Each call blocks
/// its thread (run it on a thread pool), bounded by the socket's send and receive timeouts.
public final class DomainSocket: @unchecked Sendable {
    public let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close() }

    /// Connects to the socket at `path`; `timeoutMilliseconds` bounds each later send and receive.
    public static func connect(path: String, timeoutMilliseconds: Int) throws(DomainSocketError) -> DomainSocket {
        let descriptor = rfs_connect_unix(path)
        guard descriptor >= 0 else { throw .failed(operation: "connect", path: path, code: errno) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        let size = socklen_t(MemoryLayout<timeval>.size)
        guard setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, size) == 0,
              setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, size) == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw .failed(operation: "setsockopt", path: path, code: code)
        }
        return DomainSocket(path: path, descriptor: descriptor)
    }

    public func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    /// Writes all of `bytes`.
    public func send(_ bytes: [UInt8]) throws(DomainSocketError) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .failed(operation: "send", path: path, code: errno)
            }
            sent += count
        }
    }

    /// Reads one varint-delimited `M`, byte by byte up to its end, so nothing that follows it
    /// (the descriptors' message) is consumed.
    public func readDelimited<M: SwiftProtobuf.Message>(_ type: M.Type, messageBytesMax: Int = DataTransferLimits.replyMessageBytesMax) throws(DomainSocketError) -> M {
        var length = 0
        var shift = 0
        while true {
            let byte = try readByte()
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            guard shift < 35 else { throw .malformed(path: path, reason: "reply length varint too long") }
        }
        guard length <= messageBytesMax else { throw .malformed(path: path, reason: "reply of \(length) bytes, more than \(messageBytesMax)") }
        var body = [UInt8](repeating: 0, count: length)
        var filled = 0
        while filled < length {
            let count = body.withUnsafeMutableBytes { raw in recv(descriptor, raw.baseAddress! + filled, length - filled, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw count == 0 ? .closed(path: path) : .failed(operation: "recv", path: path, code: errno) }
            filled += count
        }
        do {
            return try M(serializedBytes: body, partial: true)
        } catch {
            throw .malformed(path: path, reason: "\(M.protoMessageName): \(error)")
        }
    }

    /// Receives the byte that carries descriptors, and the descriptors (`expected` of them).
    public func receiveDescriptors(expected: Int) throws(DomainSocketError) -> (byte: UInt8, descriptors: [Int32]) {
        var byte: UInt8 = 0
        var receivedByte: Int32 = 0
        var descriptors = [Int32](repeating: -1, count: expected)
        let count = rfs_recv_fds(descriptor, &descriptors, Int32(expected), &byte, &receivedByte)
        guard count >= 0 else { throw .failed(operation: "recvmsg", path: path, code: errno) }
        guard receivedByte != 0 else { throw .closed(path: path) }
        guard Int(count) == expected else {
            for received in descriptors.prefix(Int(count)) { Glibc.close(received) }
            throw .malformed(path: path, reason: "\(count) descriptors received, \(expected) expected")
        }
        return (byte, descriptors)
    }

    private func readByte() throws(DomainSocketError) -> UInt8 {
        var byte: UInt8 = 0
        while true {
            let count = recv(descriptor, &byte, 1, 0)
            if count == 1 { return byte }
            if count < 0, errno == EINTR { continue }
            throw count == 0 ? .closed(path: path) : .failed(operation: "recv", path: path, code: errno)
        }
    }
}

/// The server's side: sends a byte with descriptors attached on an accepted connection.
public enum DomainSocketDescriptors {
    /// Sends `byte` with `descriptors` attached on `socket` (a connected Unix socket, which
    /// may be non-blocking: a full send buffer is waited out for up to a second).
    public static func send(_ descriptors: [Int32], byte: UInt8, on socket: Int32, path: String) throws(DomainSocketError) {
        for _ in 0..<1000 {
            if descriptors.withUnsafeBufferPointer({ rfs_send_fds(socket, $0.baseAddress, Int32($0.count), byte) }) == 1 { return }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw .failed(operation: "sendmsg", path: path, code: errno) }
            usleep(1000)
        }
        throw .failed(operation: "sendmsg", path: path, code: EAGAIN)
    }
}

/// A listening Unix domain socket whose connections are accepted on a thread of its own
/// (NIO cannot hand out an accepted socket's descriptor, which passing descriptors needs).
public final class DomainSocketListener: @unchecked Sendable {
    public let path: String
    private let descriptor: Int32
    private let stopped = Mutex(false)
    private let thread = Mutex<pthread_t?>(nil)

    /// Binds `path` (a stale socket file left there is replaced) and listens.
    public init(path: String, backlog: Int32 = 128) throws(DomainSocketError) {
        let descriptor = rfs_listen_unix(path, backlog)
        guard descriptor >= 0 else { throw .failed(operation: "bind", path: path, code: errno) }
        self.path = path
        self.descriptor = descriptor
    }

    /// Accepts connections until `close`, handing each accepted descriptor to `accepted`
    /// (which owns it from then on), on a thread of its own.
    public func start(_ accepted: @escaping @Sendable (Int32) -> Void) {
        let box = AcceptLoop(listener: self, accepted: accepted)
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { raw in
            let loop = Unmanaged<AcceptLoop>.fromOpaque(raw!).takeRetainedValue()
            loop.run()
            return nil
        }, Unmanaged.passRetained(box).toOpaque())
        precondition(started == 0, "cannot start the domain socket accept thread: errno \(started)")
        self.thread.withLock { $0 = thread }
    }

    /// Stops accepting, waits for the accept thread, and removes the socket file.
    public func close() {
        let first = stopped.withLock { (stopped: inout Bool) -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        if let thread = thread.withLock({ $0 }) { pthread_join(thread, nil) }
        Glibc.close(descriptor)
        unlink(path)
    }

    private final class AcceptLoop {
        let listener: DomainSocketListener
        let accepted: @Sendable (Int32) -> Void

        init(listener: DomainSocketListener, accepted: @escaping @Sendable (Int32) -> Void) {
            self.listener = listener
            self.accepted = accepted
        }

        func run() {
            while !listener.stopped.withLock({ $0 }) {
                // A short poll, so `close` is noticed without closing the descriptor under accept.
                let connection = rfs_accept_unix(listener.descriptor, 200)
                if connection >= 0 {
                    accepted(connection)
                } else if errno != EAGAIN {
                    usleep(10_000)  // EMFILE and the like: do not spin
                }
            }
        }
    }
}

public enum DomainSocketError: Error, Sendable, CustomStringConvertible {
    case failed(operation: String, path: String, code: Int32)
    case closed(path: String)
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .failed(operation, path, code):
            "\(operation) on the domain socket \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .closed(path):
            "the datanode closed the domain socket \(path) mid-exchange"
        case let .malformed(path, reason):
            "malformed reply on the domain socket \(path): \(reason)"
        }
    }
}
