import RFSModel

extension RandomNumberGenerator {
    /// A uniform value in `0..<bound` by Lemire's multiply-shift (bias below 2⁻³² for the
    /// bounds used here). Spelled out rather than taken from the standard library so that the
    /// draws a seed produces do not depend on its implementation.
    mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "below(0) has no value to return")
        return next().multipliedFullWidth(by: bound).high
    }
}
