import NIOConcurrencyHelpers
import RFSClient
import RFSConfig

/// What an `hdfsFS` points at: one rfs `FileSystem` and the libhdfs state around it (the working
/// directory `hdfsSetWorkingDirectory` moves). Shared by every thread that uses the handle.
///
/// Files opened on it hold it too, because callers such as pyarrow may disconnect before they
/// close their files: the client is closed when the handle is disconnected *and* the last file
/// is closed, whichever comes second.
final class Connection: Sendable {
    let fileSystem: FileSystem
    let configuration: Configuration
    private struct State {
        var workingDirectory: String
        var openFiles = 0
        var disconnected = false
    }
    private let state: NIOLockedValueBox<State>

    init(fileSystem: FileSystem, configuration: Configuration) {
        self.fileSystem = fileSystem
        self.configuration = configuration
        self.state = NIOLockedValueBox(State(workingDirectory: fileSystem.paths.workingDirectory))
    }

    /// The absolute path a caller's path names, relative ones against the working directory.
    func absolute(_ path: String) throws(FileSystemError) -> String {
        var resolver = fileSystem.paths
        resolver.workingDirectory = state.withLockedValue { $0.workingDirectory }
        return try resolver.resolve(path)
    }

    /// `hdfs://authority/path`, as libhdfs names paths it returns.
    func qualified(_ absolutePath: String) -> String { fileSystem.paths.qualified(absolutePath) }

    var workingDirectory: String { state.withLockedValue { $0.workingDirectory } }

    func setWorkingDirectory(_ absolutePath: String) {
        state.withLockedValue { $0.workingDirectory = absolutePath }
    }

    func fileOpened() {
        state.withLockedValue { $0.openFiles += 1 }
    }

    /// True when the caller must now close the client (the handle was disconnected earlier).
    func fileClosed() -> Bool {
        state.withLockedValue { state in
            state.openFiles -= 1
            return state.disconnected && state.openFiles == 0
        }
    }

    /// True when the caller must now close the client (no file is open).
    func disconnect() -> Bool {
        state.withLockedValue { state in
            state.disconnected = true
            return state.openFiles == 0
        }
    }
}

/// `hdfsFS` ⇄ `Connection`: the handle is a retained reference, released by hdfsDisconnect.
enum Handles {
    static func make(_ connection: Connection) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(connection).toOpaque())
    }

    static func connection(_ handle: OpaquePointer?) -> Connection? {
        guard let handle else { return nil }
        return Unmanaged<Connection>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    static func release(connection handle: OpaquePointer) {
        Unmanaged<Connection>.fromOpaque(UnsafeRawPointer(handle)).release()
    }

    static func make(_ file: OpenFile) -> OpaquePointer {
        OpaquePointer(Unmanaged.passRetained(file).toOpaque())
    }

    static func file(_ handle: OpaquePointer?) -> OpenFile? {
        guard let handle else { return nil }
        return Unmanaged<OpenFile>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    }

    static func release(file handle: OpaquePointer) {
        Unmanaged<OpenFile>.fromOpaque(UnsafeRawPointer(handle)).release()
    }
}
