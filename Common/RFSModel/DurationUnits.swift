extension Duration {
    /// The duration in whole nanoseconds (truncated), for APIs that count them (NIO's
    /// TimeAmount, metrics).
    public var wholeNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// The duration in whole milliseconds (truncated).
    public var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}
