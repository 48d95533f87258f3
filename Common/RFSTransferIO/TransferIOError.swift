import RFSDataTransfer

/// Why a DataTransferProtocol connection could not go on. Every case names what was expected,
/// so a log line or a client's exception says which step of the exchange failed.
public enum TransferIOError: Error, Sendable, CustomStringConvertible {
    /// The peer closed the connection while `expecting` was still to come.
    case closedByPeer(expecting: String)
    /// The peer sent bytes that are not a valid `what`.
    case malformed(what: String, reason: String)
    /// A packet that could not be framed (bad lengths, an undecodable header).
    case badPacket(PacketError)
    /// Nothing arrived within the read timeout.
    case timedOut(expecting: String, seconds: Double)
    /// Connecting to a datanode failed.
    case connectFailed(address: String, reason: String)

    public var description: String {
        switch self {
        case .closedByPeer(let expecting): "connection closed by the peer while waiting for \(expecting)"
        case .malformed(let what, let reason): "malformed \(what): \(reason)"
        case .badPacket(let error): "bad packet: \(error)"
        case .timedOut(let expecting, let seconds): "no \(expecting) within \(seconds) s"
        case .connectFailed(let address, let reason): "cannot connect to \(address): \(reason)"
        }
    }
}
