/// Hadoop's generic options (`GenericOptionsParser`), taken from the front of the arguments:
/// `-fs <uri>`, `-D key=value` (or `-Dkey=value`), `-conf <file>` (any number, in order, each
/// Hadoop XML or rfs's format; see `Configuration.load`); `-jt`, `-files`, `-libjars`
/// and `-archives` are accepted and ignored, as they concern MapReduce.
public struct GenericOptions: Sendable, Equatable {
    public var fileSystem: String?
    public var definitions: [String] = []
    public var configurationFiles: [String] = []
    /// What follows the generic options: the command and its arguments.
    public var remaining: [String] = []

    static let ignoredWithValue: Set<String> = ["-jt", "-files", "-libjars", "-archives"]

    public init(parsing arguments: [String]) throws(UsageError) {
        var rest = arguments[...]
        while let argument = rest.first {
            if argument == "-fs" || argument == "-D" || argument == "-conf" || Self.ignoredWithValue.contains(argument) {
                rest.removeFirst()
                guard let value = rest.popFirst() else { throw UsageError("Missing argument for option: \(argument.dropFirst())") }
                switch argument {
                case "-fs": fileSystem = value
                case "-D": definitions.append(value)
                case "-conf": configurationFiles.append(value)
                default: break
                }
            } else if argument.hasPrefix("-D"), argument.count > 2 {
                definitions.append(String(argument.dropFirst(2)))
                rest.removeFirst()
            } else {
                break
            }
        }
        remaining = Array(rest)
    }
}
