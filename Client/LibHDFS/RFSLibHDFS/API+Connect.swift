#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibHDFS
import Foundation
import Logging
import RFSClient
import RFSConfig

// Connecting: every connect makes its own client (libhdfs's "new instance"); the cached,
// shared instance of Hadoop's FileSystem.get would let one caller's hdfsDisconnect close
// another's connection.

@c @implementation
public func hdfsConnect(_ nn: UnsafePointer<CChar>?, _ port: tPort) -> hdfsFS? {
    connect(nn: nn.text, port: port, user: nil, overrides: [])
}

@c @implementation
public func hdfsConnectAsUser(_ nn: UnsafePointer<CChar>?, _ port: tPort, _ user: UnsafePointer<CChar>?) -> hdfsFS? {
    connect(nn: nn.text, port: port, user: user.text, overrides: [])
}

@c @implementation
public func hdfsConnectNewInstance(_ nn: UnsafePointer<CChar>?, _ port: tPort) -> hdfsFS? {
    connect(nn: nn.text, port: port, user: nil, overrides: [])
}

@c @implementation
public func hdfsConnectAsUserNewInstance(_ nn: UnsafePointer<CChar>?, _ port: tPort, _ user: UnsafePointer<CChar>?) -> hdfsFS? {
    connect(nn: nn.text, port: port, user: user.text, overrides: [])
}

@c @implementation
public func hdfsNewBuilder() -> OpaquePointer? {
    Builder.make()
}

@c @implementation
public func hdfsBuilderSetForceNewInstance(_ bld: OpaquePointer?) {
    // Every connection is a new instance already.
}

@c @implementation
public func hdfsBuilderSetNameNode(_ bld: OpaquePointer?, _ nn: UnsafePointer<CChar>?) {
    Builder.from(bld)?.nameNode = nn.text
}

@c @implementation
public func hdfsBuilderSetNameNodePort(_ bld: OpaquePointer?, _ port: tPort) {
    Builder.from(bld)?.port = port
}

@c @implementation
public func hdfsBuilderSetUserName(_ bld: OpaquePointer?, _ userName: UnsafePointer<CChar>?) {
    Builder.from(bld)?.userName = userName.text
}

@c @implementation
public func hdfsBuilderSetKerbTicketCachePath(_ bld: OpaquePointer?, _ kerbTicketCachePath: UnsafePointer<CChar>?) {
    // rfs authenticates with SIMPLE only; a ticket cache has nothing to change.
}

@c @implementation
public func hdfsBuilderConfSetStr(_ bld: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ val: UnsafePointer<CChar>?) -> Int32 {
    guard let builder = Builder.from(bld), let key = key.text, let value = val.text else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsBuilderConfSetStr needs a builder, a key and a value", -1)
    }
    builder.configuration.append((key, value))
    return 0
}

@c @implementation
public func hdfsFreeBuilder(_ bld: OpaquePointer?) {
    if let bld { Builder.free(bld) }
}

@c @implementation
public func hdfsBuilderConnect(_ bld: OpaquePointer?) -> hdfsFS? {
    guard let bld, let builder = Builder.from(bld) else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsBuilderConnect needs a builder", nil)
    }
    defer { Builder.free(bld) }
    return connect(nn: builder.nameNode, port: builder.port, user: builder.userName, overrides: builder.configuration)
}

@c @implementation
public func hdfsConfGetStr(_ key: UnsafePointer<CChar>?, _ val: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let key = key.text, let val else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsConfGetStr needs a key and a place for the value", -1)
    }
    do {
        let configuration = try ClientSettings.load(environment: ProcessInfo.processInfo.environment)
        val.pointee = configuration.raw(key).map { strdup($0) } ?? nil
        return 0
    } catch {
        return fail(error, -1)
    }
}

@c @implementation
public func hdfsConfGetInt(_ key: UnsafePointer<CChar>?, _ val: UnsafeMutablePointer<Int32>?) -> Int32 {
    guard let key = key.text, let val else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsConfGetInt needs a key and a place for the value", -1)
    }
    do {
        let configuration = try ClientSettings.load(environment: ProcessInfo.processInfo.environment)
        // An unset key leaves *val as it was, as libhdfs does.
        guard let text = configuration.raw(key) else { return 0 }
        guard let number = Int32(text.trimmingWhitespace()) else {
            return fail(code: EINVAL, "java.lang.NumberFormatException: For input string: \"\(text)\" (\(key))", -1)
        }
        val.pointee = number
        return 0
    } catch {
        return fail(error, -1)
    }
}

@c @implementation
public func hdfsConfStrFree(_ val: UnsafeMutablePointer<CChar>?) {
    free(val)
}

@c @implementation
public func hdfsDisconnect(_ fs: hdfsFS?) -> Int32 {
    guard let fs, let connection = Handles.connection(fs) else {
        return fail(code: EINVAL, "java.lang.IllegalArgumentException: hdfsDisconnect of a NULL filesystem", -1)
    }
    let closeNow = connection.disconnect()
    Handles.release(connection: fs)
    if closeNow {
        _ = blocking { await connection.fileSystem.close() }
    }
    return 0
}

/// Connects a new client; NULL with errno on failure. The namenode is asked for its defaults
/// once, so that a wrong address fails here, as libhdfs's connect does, not at the first call.
func connect(nn: String?, port: UInt16, user: String?, overrides: [(String, String)]) -> hdfsFS? {
    let environment = ProcessInfo.processInfo.environment
    _ = LibraryLogging.bootstrapped
    do {
        let configuration = try ClientSettings.load(overrides: overrides, environment: environment)
        let uri = try NamenodeName.uri(nn: nn, port: port, configuration: configuration)
        let fileSystem = try FileSystem(uri: uri, user: user, configuration: configuration, environment: environment)
        let probe = blocking { _ = try await fileSystem.serverDefaults() }
        if case .failure(let error) = probe {
            _ = blocking { await fileSystem.close() }
            return fail(error, nil)
        }
        return Handles.make(Connection(fileSystem: fileSystem, configuration: configuration))
    } catch {
        return fail(error, nil)
    }
}

/// The client's log lines (fail-overs, retries) go to stderr from warnings up, as Apache's
/// libhdfs logs WARN by default, and never to the host program's stdout (swift-log's default);
/// `RFS_LOG_LEVEL` shows more. Set once, at the first connect: the library is the only user of
/// Swift's logging in a C or Python process.
enum LibraryLogging {
    static let bootstrapped: Bool = {
        let level = ProcessInfo.processInfo.environment["RFS_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return true
    }()
}
