import NIOCore

/// A task executor (SE-0417) that runs jobs on one NIO event loop. A call's task that prefers
/// it resumes on the loop that owns its connection after each suspension, instead of on
/// Swift's cooperative pool: the reply is built and written on one thread, with no hand-off
/// between the pool and the loop. Handlers must therefore never block for long after a
/// suspension, which they must not do on the pool either.
///
/// A client task can prefer one too: an `RPCClient` first used from it connects on that loop,
/// so the task's calls are written and their replies resumed on the one thread.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
