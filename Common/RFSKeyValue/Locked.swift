import Foundation

/// A value guarded by a lock. `Synchronization.Mutex` would do, but it needs macOS 15 and the
/// package supports macOS 14.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked is safe: `value` is only read or written inside `lock`, and Value is Sendable,
    // so what leaves the lock may cross threads.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
