import RFSClient
@testable import RFSShell
import Testing

@Suite("FsShell output formats")
struct FormattingTests {
    func status(_ path: String, _ type: FileType = .file, length: Int64 = 0, mode: UInt16 = 0o644, owner: String = "root",
                group: String = "supergroup", replication: Int = 3, mtime: Int64 = 0) -> FileStatus {
        FileStatus(path: path, type: type, length: length, permission: FsPermission(mode: mode), owner: owner, group: group,
                   modificationTimeMs: mtime, replication: type == .file ? replication : 0, blockSizeBytes: 134_217_728)
    }

    @Test("-ls lines: widths shared by the batch, '-' replication for directories")
    func lsLines() {
        let time = DateFormat.listing(milliseconds: 0)
        let lines = LsFormat().lines([
            (status("/a/d", .directory, mode: 0o755), "/a/d"),
            (status("/a/f", owner: "alice", group: "grp", replication: 10), "/a/f"),
        ])
        #expect(lines == [
            "drwxr-xr-x   - root  supergroup          0 \(time) /a/d",
            "-rw-r--r--  10 alice grp                 0 \(time) /a/f",
        ])
        let human = LsFormat(humanReadable: true).lines([(status("/b", length: 1536), "/b")])
        #expect(human == ["-rw-r--r--   3 root supergroup      1.5 K \(time) /b"])
    }

    @Test("-ls order: name, newest first, largest first, reversed; ties keep their order")
    func lsOrder() {
        let items = [ShellPath(display: "b", absolute: "/b", status: status("/b", length: 1, mtime: 5)),
                     ShellPath(display: "a", absolute: "/a", status: status("/a", length: 2, mtime: 5)),
                     ShellPath(display: "c", absolute: "/c", status: status("/c", length: 2, mtime: 9))]
        #expect(LsOrder().sorted(items).map(\.display) == ["a", "b", "c"])
        #expect(LsOrder(key: .time).sorted(items).map(\.display) == ["c", "b", "a"])
        #expect(LsOrder(key: .size).sorted(items).map(\.display) == ["a", "c", "b"])
        #expect(LsOrder(key: .time, reverse: true).sorted(items).map(\.display) == ["b", "a", "c"])
    }

    @Test("sizes with -h as Hadoop's long2String, byte descriptions as byteDesc")
    func sizes() {
        #expect(SizeFormat.human(0) == "0")
        #expect(SizeFormat.human(1023) == "1023")
        #expect(SizeFormat.human(1024) == "1 K")
        #expect(SizeFormat.human(1536) == "1.5 K")
        #expect(SizeFormat.human(134_217_728) == "128 M")
        // 1023.999 K rounds to "1024.0", so Hadoop moves to M.
        #expect(SizeFormat.human(1_048_575) == "1.0 M")
        #expect(SizeFormat.human(-2048) == "-2 K")
        #expect(SizeFormat.byteDescription(0) == "0 B")
        #expect(SizeFormat.byteDescription(1536) == "1.50 KB")
        #expect(SizeFormat.percent(0.0 / 0.0) == "NaN%")
        #expect(SizeFormat.percent(0.456) == "46%")
        #expect(SizeFormat.percentTwoDecimals(0.12345) == "12.35%")
    }

    @Test("du and df tables: two-space columns, right-aligned numbers in df, no trailing blanks")
    func tables() {
        var du = TableBuilder(header: ["SIZE", "DISK_SPACE_CONSUMED_WITH_ALL_REPLICAS", "FULL_PATH_NAME"])
        #expect(du.isEmpty && du.lines.isEmpty)
        du.add(["0", "0", "/u/d1"])
        #expect(du.lines == ["SIZE  DISK_SPACE_CONSUMED_WITH_ALL_REPLICAS  FULL_PATH_NAME",
                             "0     0                                      /u/d1"])
        var df = TableBuilder(header: ["Filesystem", "Size", "Used", "Available", "Use%"], rightAligned: [1, 2, 3, 4])
        df.add(["hdfs://127.0.0.1:18020", "0", "0", "0", "NaN%"])
        #expect(df.lines == ["Filesystem              Size  Used  Available  Use%",
                             "hdfs://127.0.0.1:18020     0     0          0  NaN%"])
    }

    @Test("-count lines with and without quotas")
    func count() {
        let summary = ContentSummary(length: 0, fileCount: 2, directoryCount: 4, spaceConsumed: 0)
        #expect(CountFormat.line(summary, path: "/u", quotas: false, humanReadable: false)
            == "           4            2                  0 /u")
        #expect(CountFormat.line(summary, path: "/u", quotas: true, humanReadable: false)
            == "        none             inf            none             inf            4            2                  0 /u")
        let limited = ContentSummary(length: 0, fileCount: 2, directoryCount: 4, quota: 10, spaceConsumed: 0, spaceQuota: 2048)
        #expect(CountFormat.line(limited, path: "/u", quotas: true, humanReadable: true)
            == "          10               4             2 K             2 K            4            2                  0 /u")
        #expect(CountFormat.header(quotas: true, quotasOnly: false)
            == "       QUOTA       REM_QUOTA     SPACE_QUOTA REM_SPACE_QUOTA    DIR_COUNT   FILE_COUNT       CONTENT_SIZE PATHNAME")
    }

    @Test("-stat format codes; unknown codes print their letter, a trailing % nothing")
    func stat() {
        let file = status("/u/f1", length: 7, mtime: 1_795_656_475_809)
        #expect(StatFormat.format("%b %F %g %n %o %r %u %a %A %Y", status: file)
            == "7 regular file supergroup f1 134217728 3 root 644 rw-r--r-- 1795656475809")
        #expect(StatFormat.format("%y", status: file) == "2026-11-26 01:27:55")
        #expect(StatFormat.format("%x|%X", status: file) == "1970-01-01 00:00:00|0")
        #expect(StatFormat.format("%%|%q|%", status: file) == "%|q|")
        #expect(StatFormat.format("%F", status: status("/d", .directory)) == "directory")
    }

    @Test("paths display as typed; children append their name; '.' lists bare names")
    func shellPaths() {
        #expect(ShellPath.displayText(for: "/t/") == "/t")
        #expect(ShellPath.displayText(for: "/") == "/")
        #expect(ShellPath.displayText(for: "hdfs://nn:1/") == "hdfs://nn:1/")
        #expect(ShellPath.displayText(for: "/t/../t/./e") == "/t/e")
        #expect(ShellPath.displayText(for: "rel/../rel/") == "rel")
        #expect(ShellPath.displayText(for: "./rel") == "rel")
        #expect(ShellPath.displayText(for: "../x") == "../x")
        #expect(ShellPath.displayText(for: "hdfs://nn:1//a//b/") == "hdfs://nn:1/a/b")
        let child = status("/user/u/x")
        #expect(ShellPath(display: ".", absolute: "/user/u").child(child).display == "x")
        #expect(ShellPath(display: "rel", absolute: "/user/u").child(child).display == "rel/x")
        #expect(ShellPath(display: "/", absolute: "/").child(status("/x")).display == "/x")
    }
}

@Suite("FsShell path order")
struct URIOrderTests {
    @Test("paths sort by their percent-encoded URI form, as java.net.URI compares them")
    func order() {
        #expect(URIOrder.key("/odd/sp ace") == "/odd/sp%20ace")
        #expect(URIOrder.key("/odd/ünï") == "/odd/%C3%BCn%C3%AF")
        let names = ["h#sh", "pct%20", "sp ace", "ünï"].map { ShellPath(display: "/odd/\($0)", absolute: "/odd/\($0)") }
        #expect(URIOrder.sorted(names).map(\.display) == ["/odd/ünï", "/odd/h#sh", "/odd/pct%20", "/odd/sp ace"])
    }
}
