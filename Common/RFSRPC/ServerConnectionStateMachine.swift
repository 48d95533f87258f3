import RFSModel

/// Hadoop's reserved call ids (RpcConstants).
public enum ReservedCallID {
    public static let connectionContext: Int32 = -3
    public static let ping: Int32 = -4
    public static let sasl: Int32 = -33
    /// Used on replies that concern the connection rather than a call.
    public static let invalid: Int32 = -1
}

/// The decisions of one server-side Hadoop RPC connection, kept apart from NIO so they can
/// be tested without sockets: what to do with the preamble and with each frame's header.
///
/// States: preamble → (SASL negotiation →) connection context → ready.
struct ServerConnectionStateMachine {
    enum State: Equatable {
        case awaitingPreamble
        case negotiatingSASL
        case awaitingContext
        case ready(user: String)
        case closed
    }

    /// What a frame's RpcRequestHeaderProto says, reduced to what the decisions need.
    struct FrameHeader: Equatable {
        var callID: Int32
        var isProtocolBuffer: Bool
        var closesConnection: Bool
    }

    enum SASLState: Equatable {
        case negotiate
        case initiateSimple
        case other(String)
    }

    enum Action: Equatable {
        /// Nothing to send.
        case none
        /// Reply to the SASL exchange with SUCCESS: a simple-auth server answers the
        /// client's NEGOTIATE with SUCCESS, which Hadoop clients read as "use SIMPLE".
        case replySASLSuccess
        /// Decode the frame's body as an IpcConnectionContextProto and report its user.
        case readConnectionContext
        /// Decode the body as RequestHeaderProto + request and run the call.
        case dispatch(callID: Int32)
        /// Decode the body as RpcSaslProto and report its state.
        case readSASL
        /// Send a FATAL reply for `callID` and close.
        case fatal(callID: Int32, code: RPCErrorCode, exception: HadoopException, message: String)
        /// Close without a reply.
        case close(reason: String)
    }

    private(set) var state: State = .awaitingPreamble

    mutating func receivedPreamble(version: UInt8, authProtocol: UInt8) -> Action {
        guard state == .awaitingPreamble else { return close("a second preamble") }
        guard version == HDFSDefaults.rpcVersion else {
            state = .closed
            return .fatal(callID: ReservedCallID.invalid, code: .fatalVersionMismatch, exception: .fatalRPC,
                          message: "Server IPC version \(HDFSDefaults.rpcVersion) cannot communicate with client version \(version)")
        }
        switch authProtocol {
        case HadoopPreamble.authNone:
            state = .awaitingContext
            return .none
        case HadoopPreamble.authSASL:
            state = .negotiatingSASL
            return .none
        default:
            state = .closed
            return .fatal(callID: ReservedCallID.invalid, code: .fatalUnauthorized, exception: .accessControl,
                          message: "unknown auth protocol \(authProtocol); rfs accepts NONE (0) and SASL (-33) with SIMPLE auth")
        }
    }

    mutating func receivedFrame(_ header: FrameHeader) -> Action {
        if header.closesConnection { return close("client asked to close the connection") }
        guard header.isProtocolBuffer else {
            state = .closed
            return .fatal(callID: header.callID, code: .fatalUnsupportedSerialization, exception: .fatalRPC,
                          message: "only protocol-buffer RPC is supported")
        }
        switch (state, header.callID) {
        case (_, ReservedCallID.ping):
            return .none
        case (.negotiatingSASL, ReservedCallID.sasl):
            return .readSASL
        case (.awaitingContext, ReservedCallID.connectionContext), (.negotiatingSASL, ReservedCallID.connectionContext):
            return .readConnectionContext
        case (.ready, let callID) where callID >= 0:
            return .dispatch(callID: callID)
        case (.closed, _):
            return .none
        default:
            state = .closed
            return .fatal(callID: header.callID, code: .fatalInvalidRPCHeader, exception: .fatalRPC,
                          message: "call id \(header.callID) is not valid before the connection context")
        }
    }

    mutating func receivedSASL(_ sasl: SASLState) -> Action {
        guard state == .negotiatingSASL else { return close("SASL message outside negotiation") }
        switch sasl {
        case .negotiate:
            return .replySASLSuccess
        case .initiateSimple:
            // The client chose SIMPLE from an offer; no reply, the context comes next.
            return .none
        case .other(let name):
            state = .closed
            return .fatal(callID: ReservedCallID.sasl, code: .fatalUnauthorized, exception: .accessControl,
                          message: "SASL \(name) is not supported: rfs runs with SIMPLE authentication")
        }
    }

    mutating func receivedConnectionContext(effectiveUser: String?, realUser: String?) -> Action {
        // With simple auth, the effective user is who the client says it is; a proxy
        // (realUser set) acts as the effective user.
        guard let user = [effectiveUser, realUser].compactMap({ $0 }).first(where: { !$0.isEmpty }) else {
            state = .closed
            return .fatal(callID: ReservedCallID.connectionContext, code: .fatalUnauthorized, exception: .accessControl,
                          message: "the connection context names no user")
        }
        state = .ready(user: user)
        return .none
    }

    private mutating func close(_ reason: String) -> Action {
        state = .closed
        return .close(reason: reason)
    }
}
