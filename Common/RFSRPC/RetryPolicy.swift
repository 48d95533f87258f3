/// How a call failed, as far as retrying is concerned.
public enum CallFailure: Sendable, Equatable {
    /// No connection could be made: the call was never sent, so any call may go elsewhere.
    case connectFailed
    /// The server answered StandbyException: it did not run the call.
    case standby
    /// The server answered RetriableException: try the same server again later.
    case retriable
    /// The connection broke or the call timed out after it was sent: the server may have
    /// run it, so only an idempotent call may be sent again.
    case lostAfterSend
    /// Any other answer is final.
    case final
}

/// What to do next after a failure.
public enum RetryDecision: Sendable, Equatable {
    case retrySameServer(after: Duration)
    case failOver(after: Duration)
    case giveUp
}

/// The client's retry and fail-over decisions, as a pure value: the caller tells it what
/// happened and supplies the randomness, so a test can replay a sequence exactly.
///
/// Hadoop's shape (RetryPolicies.failoverOnNetworkException): the first fail-over is
/// immediate, later ones back off exponentially from `baseDelay` up to `maxDelay`, with
/// jitter of ±50% so that many clients of a failed namenode do not return in lock-step.
public struct RetryPolicy: Sendable, Equatable {
    public var maxFailovers: Int
    public var maxRetries: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public private(set) var failovers = 0
    public private(set) var retries = 0

    public init(maxFailovers: Int, maxRetries: Int, baseDelay: Duration, maxDelay: Duration) {
        self.maxFailovers = maxFailovers
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// `jitter` is uniform in 0..<1, from the caller's generator.
    public mutating func decide(after failure: CallFailure, idempotent: Bool, serverCount: Int, jitter: Double) -> RetryDecision {
        switch failure {
        case .final:
            return .giveUp
        case .lostAfterSend where !idempotent:
            return .giveUp
        case .retriable:
            guard retries < maxRetries else { return .giveUp }
            retries += 1
            return .retrySameServer(after: backoff(retries, jitter: jitter))
        case .connectFailed, .standby, .lostAfterSend:
            guard failovers < maxFailovers else { return .giveUp }
            failovers += 1
            // With one server there is nowhere to fail over to: retry it, backing off from
            // the first attempt.
            if serverCount <= 1 {
                return .retrySameServer(after: backoff(failovers, jitter: jitter))
            }
            // A full round of the servers without success starts the back-off.
            let delay = failovers < serverCount ? Duration.zero : backoff(failovers - serverCount + 1, jitter: jitter)
            return .failOver(after: delay)
        }
    }

    func backoff(_ attempt: Int, jitter: Double) -> Duration {
        let exponent = min(attempt - 1, 30)
        let raw = baseDelay * (1 << exponent)
        let capped = raw > maxDelay ? maxDelay : raw
        return capped * (0.5 + jitter)
    }
}
