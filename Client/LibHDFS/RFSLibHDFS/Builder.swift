/// What a `struct hdfsBuilder *` points at: the settings gathered before hdfsBuilderConnect.
/// Used by one thread at a time, as libhdfs's builder is.
final class Builder {
    var nameNode: String?
    var port: UInt16 = 0
    var userName: String?
    var configuration: [(String, String)] = []

    static func make() -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(Builder()).toOpaque())
    }

    static func from(_ handle: OpaquePointer?) -> Builder? {
        guard let handle else { return nil }
        return Unmanaged<Builder>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    static func free(_ handle: OpaquePointer) {
        Unmanaged<Builder>.fromOpaque(UnsafeRawPointer(handle)).release()
    }
}

extension Optional where Wrapped == UnsafePointer<CChar> {
    /// The C string as Swift text, nil for NULL.
    var text: String? { map { String(cString: $0) } }
}
