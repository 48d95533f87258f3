import RFSClient

/// `-safemode <enter | leave | get | wait | forceExit>`: prints "Safe mode is ON|OFF".
enum DFSAdminSafeMode {
    /// How often `wait` asks again (DFSAdmin: 5 s).
    static let waitPollInterval: Duration = .seconds(5)

    static func run(_ arguments: [String], fs: FileSystem, output: any ShellOutput) async throws {
        guard arguments.count == 1 else { throw UsageError("") }
        let isOn: Bool
        switch arguments[0].lowercased() {
        case "get": isOn = try await fs.setSafeMode(.get)
        case "enter": isOn = try await fs.setSafeMode(.enter)
        case "leave": isOn = try await fs.setSafeMode(.leave)
        case "forceexit": isOn = try await fs.setSafeMode(.forceExit)
        case "wait":
            while try await fs.setSafeMode(.get) {
                try await Task.sleep(for: waitPollInterval)
            }
            isOn = false
        default: throw UsageError("")
        }
        output.printLine("Safe mode is \(isOn ? "ON" : "OFF")")
    }
}
