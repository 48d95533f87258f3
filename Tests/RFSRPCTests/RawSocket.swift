#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A blocking TCP socket for tests that must send bytes no well-behaved client would.
final class RawSocket {
    let fd: Int32

    init(port: Int, receiveTimeoutSeconds: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Everything the server sends until it closes the connection (or the timeout passes).
    /// `closed` tells which of the two happened.
    func readUntilClose() -> (bytes: [UInt8], closed: Bool) {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, 65_536, 0) }
            if n == 0 { return (out, true) }
            if n < 0 { return (out, errno == ECONNRESET) }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }
}
