import RFSProtocol

/// Short-circuit local reads (HDFS's `dfs.client.read.shortcircuit`): a client on the
/// datanode's host asks, over the datanode's Unix domain socket, for the replica's open block
/// and meta files and reads them itself. What both ends decide, without I/O.
///
/// The exchange on the socket, after the usual op request (opcode 87, an
/// OpRequestShortCircuitAccessProto):
///
///     datanode → client: varint-delimited BlockOpResponseProto
///     on SUCCESS, one sendmsg: 1 byte (ShortCircuitFdResponse: 0 = no receipt verification)
///                              + SCM_RIGHTS [block file, meta file]
///     with receipt verification (only for a shared-memory slot): client → datanode, 1 byte
public enum ShortCircuit {
    /// The replica format version a datanode hands out (HDFS's CURRENT_BLOCK_FORMAT_VERSION).
    public static let blockFormatVersion: UInt32 = 1

    /// `dfs.domain.socket.path` with HDFS's `_PORT` replaced by the datanode's transfer port, so
    /// that datanodes sharing one host (and one configuration) have a socket each.
    public static func socketPath(template: String, transferPort: Int) -> String {
        var result = ""
        var rest = Substring(template)
        while let range = rest.firstRange(of: "_PORT") {
            result += rest[..<range.lowerBound]
            result += String(transferPort)
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    /// The datanode's answer to REQUEST_SHORT_CIRCUIT_FDS, as HDFS's BlockReaderFactory reads
    /// it: what the client does next.
    public enum Answer: Equatable, Sendable {
        /// The descriptors follow.
        case granted
        /// Not for this replica (ERROR_UNSUPPORTED that names a version: HDFS's "disabled for
        /// the file"): read this block over TCP, keep using the socket for others.
        case refusedForReplica(String)
        /// Refused for the whole datanode (ERROR_UNSUPPORTED without a version, ERROR or any
        /// other status): HDFS stops using this socket path for a while.
        case refusedForDatanode(String)

        public init(_ reply: Hadoop_Hdfs_BlockOpResponseProto) {
            switch reply.status {
            case .success:
                self = .granted
            case .errorUnsupported where reply.hasShortCircuitAccessVersion:
                self = .refusedForReplica(reply.message)
            default:
                self = .refusedForDatanode("\(reply.status): \(reply.message)")
            }
        }
    }

    /// Socket paths a client has stopped using, and until when (HDFS's DomainSocketFactory:
    /// a path that failed is not tried again for `dfs.client.domain.socket.disable.interval.seconds`).
    /// Time is passed in, in nanoseconds of a monotonic clock.
    public struct DisabledPaths: Sendable {
        private var until: [String: UInt64] = [:]

        public init() {}

        public func isDisabled(_ path: String, nowNanoseconds: UInt64) -> Bool {
            guard let end = until[path] else { return false }
            return nowNanoseconds < end
        }

        /// Stops using `path` for `intervalNanoseconds`; true when it was in use until now
        /// (so the caller logs the first failure, not every read's).
        @discardableResult
        public mutating func disable(_ path: String, nowNanoseconds: UInt64, intervalNanoseconds: UInt64) -> Bool {
            let wasUsable = !isDisabled(path, nowNanoseconds: nowNanoseconds)
            until[path] = nowNanoseconds &+ intervalNanoseconds
            if until.count > 1024 { until = until.filter { $0.value > nowNanoseconds } }
            return wasUsable
        }
    }

    /// The chunk-aligned stretch a local read of `wanted` bytes at `offset` must read and
    /// verify, in a replica of `replicaLength` bytes: chunks are verified whole.
    public struct Span: Equatable, Sendable {
        /// First byte read (a chunk boundary at or before `offset`).
        public let start: Int
        /// One past the last byte read (a chunk boundary, or the replica's end).
        public let end: Int

        public init(offset: Int, wanted: Int, replicaLength: Int, bytesPerChecksum: Int) {
            precondition(bytesPerChecksum > 0 && offset >= 0 && wanted >= 0 && offset + wanted <= replicaLength)
            start = offset - offset % bytesPerChecksum
            let last = offset + wanted
            let rounded = (last + bytesPerChecksum - 1) / bytesPerChecksum * bytesPerChecksum
            end = min(rounded, replicaLength)
        }

        /// Whether the stretch is exactly the bytes wanted (so they can be read in place).
        public func isExactly(offset: Int, wanted: Int) -> Bool { start == offset && end == offset + wanted }
    }
}
