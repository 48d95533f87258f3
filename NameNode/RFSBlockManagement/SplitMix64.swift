/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, seeded generator. Everything random in
/// the block manager draws from one passed in, so a simulation replays exactly from its seed.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A uniform value in `0..<bound` by Lemire's multiply-shift (bias below 2⁻³² for the
    /// bounds used here). Spelled out rather than taken from the standard library so that the
    /// draws a seed produces do not depend on its implementation.
    mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "below(0) has no value to return")
        return next().multipliedFullWidth(by: bound).high
    }
}
