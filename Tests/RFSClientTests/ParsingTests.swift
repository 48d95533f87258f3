import RFSClient
@testable import RFSShell
import Testing

@Suite("Shell argument parsing")
struct ParsingTests {
    @Test("CommandFormat takes single-dash flags from the front, as Hadoop's does")
    func commandFormat() throws {
        let format = CommandFormat(min: 1, flags: ["R", "h"])
        let parsed = try format.parse(["-R", "-h", "/a", "-x"])
        #expect(parsed.flagsSet == ["R", "h"] && parsed.arguments == ["/a", "-x"])
        #expect(try format.parse(["--", "-R"]).arguments == ["-R"])
        #expect(try format.parse(["-"]).arguments == ["-"])
        #expect(throws: UsageError("Illegal option -Rh")) { try format.parse(["-Rh", "/a"]) }
        #expect(throws: UsageError("Not enough arguments: expected 1 but got 0")) { try format.parse(["-R"]) }
        #expect(throws: UsageError("Too many arguments: expected 1 but got 2")) {
            try CommandFormat(min: 1, max: 1).parse(["/a", "/b"])
        }
        let withValue = try CommandFormat(min: 1, valueOptions: ["t"]).parse(["-t", "SSD", "/a"])
        #expect(withValue.values["t"] == "SSD" && withValue.arguments == ["/a"])
    }

    @Test("generic options come before the command")
    func genericOptions() throws {
        let options = try GenericOptions(parsing: ["-fs", "hdfs://nn:1", "-D", "a=b", "-Dc=d", "-conf", "x.conf", "-ls", "-D", "/"])
        #expect(options.fileSystem == "hdfs://nn:1" && options.definitions == ["a=b", "c=d"] && options.configurationFiles == ["x.conf"])
        #expect(options.remaining == ["-ls", "-D", "/"])
        #expect(try GenericOptions(parsing: ["-conf", "core.xml", "-conf", "hdfs.xml", "-ls"]).configurationFiles == ["core.xml", "hdfs.xml"])
        #expect(throws: UsageError.self) { try GenericOptions(parsing: ["-fs"]) }
    }

    @Test("chmod octal modes set all bits; three digits keep the sticky bit, four set it")
    func octalModes() throws {
        #expect(try ModeChange(parsing: "644").apply(to: 0o1777, isDirectory: true) == 0o1644)
        #expect(try ModeChange(parsing: "0644").apply(to: 0o1777, isDirectory: true) == 0o644)
        #expect(try ModeChange(parsing: "1755").apply(to: 0o600, isDirectory: false) == 0o1755)
        #expect(throws: UsageError.self) { try ModeChange(parsing: "2755") }
        #expect(throws: UsageError.self) { try ModeChange(parsing: "89") }
    }

    @Test("chmod symbolic clauses, X and t, as Hadoop's ChmodParser")
    func symbolicModes() throws {
        #expect(try ModeChange(parsing: "u+x,g-w,o=r").apply(to: 0o664, isDirectory: false) == 0o744)
        #expect(try ModeChange(parsing: "a-x").apply(to: 0o755, isDirectory: true) == 0o644)
        #expect(try ModeChange(parsing: "+t").apply(to: 0o755, isDirectory: true) == 0o1755)
        #expect(try ModeChange(parsing: "o-t").apply(to: 0o1777, isDirectory: true) == 0o777)
        #expect(try ModeChange(parsing: "a+X").apply(to: 0o644, isDirectory: false) == 0o644)
        #expect(try ModeChange(parsing: "a+X").apply(to: 0o644, isDirectory: true) == 0o755)
        #expect(try ModeChange(parsing: "a+X").apply(to: 0o744, isDirectory: false) == 0o755)
        #expect(try ModeChange(parsing: "=r").apply(to: 0o777, isDirectory: false) == 0o444)
        for bad in ["bogus", "u+", "u+q", "u+x,", "+", ""] {
            #expect(throws: UsageError.self, "\(bad)") { try ModeChange(parsing: bad) }
        }
        #expect(throws: UsageError("chmod : mode 'bogus' does not match the expected pattern.")) { try ModeChange(parsing: "bogus") }
    }

    @Test("chown and chgrp specs")
    func owners() throws {
        #expect(try OwnerChange(chown: "alice:staff") == OwnerChange(owner: "alice", group: "staff"))
        #expect(try OwnerChange(chown: "alice") == OwnerChange(owner: "alice", group: nil))
        #expect(try OwnerChange(chown: ":staff") == OwnerChange(owner: nil, group: "staff"))
        #expect(try OwnerChange(chown: "alice:") == OwnerChange(owner: "alice", group: nil))
        #expect(throws: UsageError("':' does not specify owner or group.")) { try OwnerChange(chown: ":") }
        #expect(throws: UsageError("'a b' does not match expected pattern for [owner][:group].")) { try OwnerChange(chown: "a b") }
        #expect(try OwnerChange(chgrp: "grp") == OwnerChange(owner: nil, group: "grp"))
        #expect(throws: UsageError("'a:b' does not match expected pattern for group")) { try OwnerChange(chgrp: "a:b") }
    }

    @Test("command options: stat's format, test's one flag, setrep's and truncate's numbers")
    func commandOptions() throws {
        #expect(try StatCommand(arguments: ["%n", "/a"]).format == "%n")
        #expect(try StatCommand(arguments: ["/a"]).format == "%y")
        #expect(throws: UsageError("Not enough arguments: expected 1 but got 0")) { try StatCommand(arguments: ["%y"]) }
        #expect(try TestCommand(arguments: ["-d", "/a"]).flag == "d")
        #expect(throws: UsageError("No test flag given")) { try TestCommand(arguments: ["/a"]) }
        #expect(throws: UsageError("Only one test flag is allowed")) { try TestCommand(arguments: ["-e", "-d", "/a"]) }
        #expect(try SetrepCommand(arguments: ["-w", "2", "/a"]).replication == 2)
        #expect(throws: UsageError("replication must be >= 1")) { try SetrepCommand(arguments: ["0", "/a"]) }
        #expect(throws: UsageError("For input string: \"x\"", warning: "setrep: Illegal replication, a positive integer expected")) {
            try SetrepCommand(arguments: ["x", "/a"])
        }
        // A negative number reads as an option, as in Hadoop's CommandFormat.
        #expect(throws: UsageError("Illegal option -1")) { try TruncateCommand(arguments: ["-1", "/a"]) }
        #expect(try LsCommand(arguments: []).paths == ["."])
        #expect(try RmCommand(arguments: ["-R", "-skipTrash", "/a"]).recursive)
    }

    @Test("usage errors print FsShell's lines and exit 255 without a namenode")
    func usageErrors() async {
        let output = CapturedShellOutput()
        let code = await DFSShell.run(["-fs", "hdfs://127.0.0.1:1", "-mkdir"], environment: [:], output: output)
        #expect(code == 255)
        #expect(output.standardOutput.isEmpty)
        #expect(output.standardError.hasPrefix("-mkdir: Not enough arguments: expected 1 but got 0\nUsage: hadoop fs [generic options]\n\t[-appendToFile"))
        #expect(output.standardError.hasSuffix("\nUsage: hadoop fs [generic options] -mkdir [-p] <path> ...\n"))

        let unknown = CapturedShellOutput()
        #expect(await DFSShell.run(["ls"], environment: [:], output: unknown) == 255)
        #expect(unknown.standardError.hasPrefix("ls: Unknown command\nDid you mean -ls?  This command begins with a dash.\n"))

        let usage = CapturedShellOutput()
        #expect(await DFSShell.run(["-usage", "ls"], environment: [:], output: usage) == 0)
        #expect(usage.standardOutput == "Usage: hadoop fs [generic options] -ls [-C] [-d] [-h] [-q] [-R] [-t] [-S] [-r] [-u] [-e] [<path> ...]\n")
    }

    @Test("every served command is in FsShell's usage listing, with the same usage")
    func commandTable() {
        for command in DFSCommandTable.commands {
            #expect(DFSCommandTable.usage(of: command.name) == command.usage, "\(command.name)")
        }
    }
}

@Suite("Glob patterns")
struct GlobPatternTests {
    @Test("wildcards, classes, alternatives and escapes as Hadoop's GlobPattern")
    func matching() {
        #expect(GlobPattern("*").matches("anything"))
        #expect(GlobPattern("f*").matches("f1") && !GlobPattern("f*").matches("g1"))
        #expect(GlobPattern("f?").matches("f1") && !GlobPattern("f?").matches("f12"))
        #expect(GlobPattern("[ab]x").matches("bx") && !GlobPattern("[ab]x").matches("cx"))
        #expect(GlobPattern("[a-c]").matches("b") && !GlobPattern("[a-c]").matches("d"))
        #expect(GlobPattern("[^a]").matches("b") && !GlobPattern("[^a]").matches("a"))
        #expect(GlobPattern("{d1,e}").matches("e") && GlobPattern("{d1,e}").matches("d1") && !GlobPattern("{d1,e}").matches("d"))
        #expect(GlobPattern("a{b,c{d,e}}f").matches("acef"))
        #expect(GlobPattern("\\*").matches("*") && !GlobPattern("\\*").matches("x"))
        #expect(GlobPattern.hasGlob("a*") && !GlobPattern.hasGlob("plain"))
    }
}
