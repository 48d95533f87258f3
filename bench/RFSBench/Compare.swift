import Foundation

/// `rfs bench compare a.json b.json`: the rows both runs have, side by side, with the change
/// of each figure and of its ratio to the first baseline. Ratios are what to compare across
/// machines or noisy runs: each was measured against a baseline from its own run. Pure.
public enum ReportComparison {
    public static func render(_ a: BenchReport, _ b: BenchReport, nameA: String, nameB: String) -> String {
        var lines = ["A: \(nameA) (\(a.startedAt), \(a.machine.cpu), \(a.machine.cores) cores)",
                     "B: \(nameB) (\(b.startedAt), \(b.machine.cpu), \(b.machine.cores) cores)", ""]
        let header = TableFormat.pad("figure", 40) + TableFormat.lpad("A", 11) + TableFormat.lpad("B", 11) + " " + TableFormat.pad("unit", 7)
            + TableFormat.lpad("change", 9) + TableFormat.lpad("ratio A", 9) + TableFormat.lpad("ratio B", 9) + "  baseline"
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count))
        let rowsB = Dictionary(b.rows.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for rowA in a.rows {
            guard let rowB = rowsB[rowA.key] else {
                lines.append(TableFormat.pad(rowA.name, 40) + "  only in A")
                continue
            }
            let change = change(from: rowA.value, to: rowB.value)
            let ratioA = rowA.baselines.first.flatMap { rowA.ratio(to: $0) }
            let ratioB = rowB.baselines.first.flatMap { rowB.ratio(to: $0) }
            lines.append(TableFormat.pad(rowA.name, 40)
                + TableFormat.lpad(rowA.value.map(TableFormat.number) ?? "n/a", 11)
                + TableFormat.lpad(rowB.value.map(TableFormat.number) ?? "n/a", 11) + " " + TableFormat.pad(rowA.unit, 7)
                + TableFormat.lpad(change.map { (($0 >= 0) ? "+" : "") + TableFormat.format($0, digits: 1) + "%" } ?? "", 9)
                + TableFormat.lpad(ratioA.map { TableFormat.format($0, digits: 2) + "x" } ?? "", 9)
                + TableFormat.lpad(ratioB.map { TableFormat.format($0, digits: 2) + "x" } ?? "", 9)
                + "  " + (rowA.baselines.first?.name ?? ""))
        }
        let keysA = Set(a.rows.map(\.key))
        for rowB in b.rows where !keysA.contains(rowB.key) {
            lines.append(TableFormat.pad(rowB.name, 40) + "  only in B")
        }
        return lines.joined(separator: "\n")
    }

    /// Percent change from a to b; nil when either is missing or a is zero.
    public static func change(from a: Double?, to b: Double?) -> Double? {
        guard let a, let b, a != 0 else { return nil }
        return (b - a) / a * 100
    }
}
