import Dispatch
import NIOConcurrencyHelpers

/// The C API is synchronous and the Swift client is async. A C call runs its work as a detached
/// task on Swift's global executor and parks the *caller's* thread on a semaphore until the
/// task is done. The caller's thread is the C program's own (never a thread of Swift's
/// cooperative pool, which only runs tasks), so parking it cannot starve the pool the task
/// needs. A C program that calls libhdfs from inside a Swift task would block that pool thread;
/// no such caller exists.
func blocking<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) -> Result<Value, any Error> {
    let outcome = NIOLockedValueBox<Result<Value, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let result: Result<Value, any Error>
        do { result = .success(try await work()) } catch { result = .failure(error) }
        outcome.withLockedValue { $0 = result }
        done.signal()
    }
    done.wait()
    return outcome.withLockedValue { $0! }
}

/// Memory a C caller lends for the length of one call: it stays valid while the caller is
/// parked in `blocking`, which is the only place the task touches it. Hence `@unchecked`.
struct LentMemory: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
}

struct LentReadOnlyMemory: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
}
