import CLevelDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calls a LevelDB function that reports failure through `char** errptr`, turning a message into
/// a thrown `KeyValueError` and freeing it. errptr starts nil: LevelDB frees and replaces a
/// non-nil one.
func leveldbCall<R>(
    _ operation: KeyValueError.Operation, path: String,
    _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R
) throws -> R {
    var error: UnsafeMutablePointer<CChar>? = nil
    let result = body(&error)
    if let error {
        let message = String(cString: error)
        leveldb_free(error)
        throw KeyValueError(leveldbMessage: message, operation: operation, path: path)
    }
    return result
}

/// Lends `bytes` to C as `const char*` and a length, without copying.
func withCBytes<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>?, Int) throws -> R) rethrows -> R {
    try bytes.withUnsafeBytes { raw in
        try body(raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
    }
}

/// Copies `count` bytes that LevelDB owns into a new array, with one memcpy.
func copyBytes(_ pointer: UnsafePointer<CChar>?, count: Int) -> [UInt8] {
    guard count > 0, let pointer else { return [] }
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        memcpy(buffer.baseAddress!, pointer, count)
        initialized = count
    }
}
