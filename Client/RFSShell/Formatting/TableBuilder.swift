/// FsShell's `FsUsage.TableBuilder` (`-du`, `-df`): columns two spaces apart, each as wide as
/// its widest cell, left- or right-aligned; a left-aligned last column is not padded, so
/// lines carry no trailing blanks.
public struct TableBuilder: Sendable {
    public private(set) var rows: [[String]] = []
    let rightAligned: Set<Int>
    let hasHeader: Bool

    public init(header: [String]? = nil, rightAligned: Set<Int> = []) {
        self.rightAligned = rightAligned
        self.hasHeader = header != nil
        if let header { rows.append(header) }
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    /// No data row (a header alone is not printed).
    public var isEmpty: Bool { rows.count == (hasHeader ? 1 : 0) }

    public var lines: [String] {
        guard !isEmpty, let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { i, cell in
                if rightAligned.contains(i) { return Padding.left(cell, widths[i]) }
                return i == columns - 1 ? cell : Padding.right(cell, widths[i])
            }.joined(separator: "  ")
        }
    }
}
