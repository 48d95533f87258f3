/// The `rfs dfs` commands rfs serves, by name. A new command is one file under `Commands/`
/// and one line here; its usage line is already in `FsShellTexts.usages`.
enum DFSCommandTable {
    static var commands: [any DFSCommand.Type] {
        [
        ChgrpCommand.self, ChmodCommand.self, ChownCommand.self, CountCommand.self, DfCommand.self,
        DuCommand.self, HelpCommand.self, LsCommand.self, MkdirCommand.self, MvCommand.self, RmCommand.self,
        RmdirCommand.self, SetrepCommand.self, StatCommand.self, TestCommand.self, TouchzCommand.self,
        TruncateCommand.self, UsageCommand.self,
        CatCommand.self, PutCommand.self, CopyFromLocalCommand.self, GetCommand.self, CopyToLocalCommand.self,
        AppendToFileCommand.self, ChecksumCommand.self, TailCommand.self, CpCommand.self, GetmergeCommand.self,
        TextCommand.self, HeadCommand.self, TouchCommand.self, ExpungeCommand.self, ConcatCommand.self, FindCommand.self, MoveFromLocalCommand.self, MoveToLocalCommand.self,
        GetfattrCommand.self, SetfattrCommand.self, GetfaclCommand.self, SetfaclCommand.self,
        ]
    }

    static func command(named name: String) -> (any DFSCommand.Type)? {
        commands.first { $0.name == name }
    }

    /// The usage of any FsShell command, served or not (for `-usage` and `-help`).
    static func usage(of name: String) -> String? {
        FsShellTexts.usages.first { $0.name == name }?.usage
    }
}
