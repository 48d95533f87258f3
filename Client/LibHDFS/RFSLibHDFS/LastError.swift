#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text of the calling thread's last failure, as libhdfs keeps it (per thread, so two
/// threads failing at once each read their own). Held as a malloc'd C string under a pthread
/// key whose destructor frees it when the thread ends.
enum LastError {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { free($0) }
        precondition(status == 0, "pthread_key_create failed: \(status)")
        return key
    }()

    /// The current text, owned by the library; nil when this thread has not failed.
    static var current: UnsafeMutablePointer<CChar>? {
        pthread_getspecific(key)?.assumingMemoryBound(to: CChar.self)
    }

    static func set(_ text: String) {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, strdup(text))
        free(previous)
    }
}

/// Records a failure as libhdfs reports one: errno and the per-thread text. Returns the C
/// function's failure value so a call site reads `return fail(error, -1)`.
func fail<Failure>(_ error: any Error, _ value: Failure) -> Failure {
    let code = ErrorMapping.posixCode(for: error)
    LastError.set(ErrorMapping.text(for: error))
    errno = code
    return value
}

/// A failure the library finds itself (a bad argument), with the errno it names.
func fail<Failure>(code: Int32, _ message: String, _ value: Failure) -> Failure {
    LastError.set(message)
    errno = code
    return value
}
