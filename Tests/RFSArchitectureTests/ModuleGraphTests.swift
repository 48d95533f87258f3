import Foundation
import Testing

/// Keeps the module graph honest (as TigerBeetle's tidy does): pure modules stay free of
/// sockets, files, threads and clocks, and every target follows the layout rules.
@Suite("Module graph and layout")
struct ModuleGraphTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Modules that must stay deterministic: no I/O, no clocks, no concurrency runtime of their own.
    static let pureModules = ["Common/RFSModel", "Common/RFSChecksum", "Common/RFSCompression", "Common/RFSProtocol",
                              "Common/RFSDataTransfer",
                              "NameNode/RFSNamespace", "NameNode/RFSBlockManagement"]

    static let forbiddenImports = ["NIO", "NIOCore", "NIOPosix", "Foundation", "FoundationEssentials", "Dispatch", "Logging", "Metrics"]
    static let forbiddenCalls = ["Date()", "ContinuousClock", "SuspendingClock", "DispatchQueue", "Task.sleep", "FileManager", "clock_gettime", "gettimeofday"]

    static func swiftFiles(under relative: String) throws -> [URL] {
        let directory = root.appendingPathComponent(relative)
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    @Test("pure modules import no I/O, clock or logging module", arguments: pureModules)
    func pureImports(module: String) throws {
        let files = try Self.swiftFiles(under: module)
        #expect(!files.isEmpty, "no Swift files found under \(module)")
        // Generated protobuf code imports Foundation for `Data` only; it is checked for calls below.
        for file in files where !file.path.contains("/Generated/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.hasPrefix("@_exported import ") {
                let imported = line.split(separator: " ").last.map(String.init) ?? ""
                #expect(!Self.forbiddenImports.contains(imported), "\(file.lastPathComponent) imports \(imported)")
            }
        }
    }

    @Test("pure modules read no clock and touch no files or queues", arguments: pureModules)
    func pureCalls(module: String) throws {
        for file in try Self.swiftFiles(under: module) where !file.path.contains("/Generated/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            for call in Self.forbiddenCalls {
                #expect(!text.contains(call), "\(file.lastPathComponent) uses \(call)")
            }
        }
    }

    @Test("every target sets path:, Swift modules are RFS-prefixed and C modules C-prefixed")
    func targetLayout() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let regex = try NSRegularExpression(pattern: #"\.(target|systemLibrary|testTarget|executableTarget)\(\s*name: "([A-Za-z0-9]+)""#)
        let matches = regex.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest))
        #expect(matches.count > 10)
        for (i, match) in matches.enumerated() {
            // A declaration runs from its start to the next declaration's start.
            let start = Range(match.range, in: manifest)!.lowerBound
            let end = i + 1 < matches.count ? Range(matches[i + 1].range, in: manifest)!.lowerBound : manifest.endIndex
            let declaration = manifest[start..<end]
            let kind = String(manifest[Range(match.range(at: 1), in: manifest)!])
            let name = String(manifest[Range(match.range(at: 2), in: manifest)!])
            #expect(declaration.contains("path: \""), "target \(name) does not set path:")
            switch kind {
            case "systemLibrary": #expect(name.hasPrefix("C"), "C module \(name) is not C-prefixed")
            case "target": #expect(name.hasPrefix("RFS") || name.hasPrefix("C"), "module \(name) is not RFS- or C-prefixed")
            default: break
            }
        }
    }

    @Test("the top level is the designed layout")
    func topLevel() throws {
        for entry in ["Package.swift", "NameNode", "DataNode", "Client", "Common", "Tests", "bench", "conf",
                      "README.md", "Makefile", "scripts", "docs", ".ci"] {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(entry).path), "missing \(entry)")
        }
    }

    @Test("docs/ARCHITECTURE.md names every module")
    func architectureDocument() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let regex = try NSRegularExpression(pattern: #"\.(?:target|systemLibrary|executableTarget)\(\s*name: "([A-Za-z]+)""#)
        let names = regex.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest)).map {
            String(manifest[Range($0.range(at: 1), in: manifest)!])
        }
        #expect(names.count > 10)
        for name in names {
            #expect(doc.contains("`\(name)`"), "docs/ARCHITECTURE.md does not mention `\(name)`")
        }
    }
}
