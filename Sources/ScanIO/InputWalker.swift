import Foundation

/// A file to scan, and how it was found.
public struct InputFile: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable { case log, source }
    public let kind: Kind
    /// The path to open.
    public let path: String
    /// For source files: the root given on the command line, and the path relative to it (for reports).
    public let root: String?
    public let relativePath: String
    public let size: Int64

    public init(kind: Kind, path: String, root: String?, relativePath: String, size: Int64) {
        self.kind = kind
        self.path = path
        self.root = root
        self.relativePath = relativePath
        self.size = size
    }
}

/// A file left out of the scan on purpose, with the reason (reported, never silent).
public struct SkippedFile: Sendable, Hashable, Codable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// What to walk and how.
public struct WalkOptions: Sendable {
    public var followSymlinks = false
    /// Source files larger than this are skipped and reported (logs have no limit: they are streamed).
    public var maxSourceFileSize: Int64 = 10 << 20
    /// Honour `.gitignore` and `.ignore` files in source trees.
    public var honourIgnoreFiles = true

    public init() {}
}

/// The result of walking the inputs: files to scan, files skipped with reasons, and inputs that failed.
public struct InputSet: Sendable {
    public var files: [InputFile] = []
    public var skipped: [SkippedFile] = []
    public var errors: [ReadError] = []

    public init() {}
}

/// Lists the files behind `--logs`, `--source` and `--files-from` with `opendir`/`readdir` and `d_type`
/// (much faster than `FileManager`'s enumerator), honouring ignore files in source trees.
public struct InputWalker {
    public let options: WalkOptions

    public init(options: WalkOptions = WalkOptions()) { self.options = options }

    /// Log inputs: files, directories (every regular file below, recursively) and globs.
    public func addLogs(_ specs: [String], to set: inout InputSet) {
        for spec in specs {
            let paths = spec.contains(where: { "*?[".contains($0) }) ? expandGlob(spec) : [spec]
            if paths.isEmpty {
                set.errors.append(
                    ReadError(path: spec, offset: 0, kind: .open, message: "no file matches this pattern"))
            }
            for path in paths {
                guard let info = stat(path: path, follow: true) else {
                    set.errors.append(ReadError.fromErrno(errno, path: path, offset: 0, opening: true))
                    continue
                }
                if info.isDirectory {
                    walk(root: path, directory: path, relative: "", kind: .log, ignore: IgnoreStack(), into: &set)
                } else if let other = info.nonRegular {
                    // Asked for by name but not readable as a file: an error, so the result cannot pass without it.
                    set.errors.append(
                        ReadError(path: path, offset: 0, kind: .unsupported, message: FileType.refusal(other)))
                } else {
                    set.files.append(InputFile(kind: .log, path: path, root: nil, relativePath: path, size: info.size))
                }
            }
        }
    }

    /// Source trees: every file below each root, less ignored, binary (found later, at read time) and
    /// oversized files.
    public func addSources(_ roots: [String], to set: inout InputSet) {
        for root in roots {
            guard let info = stat(path: root, follow: true) else {
                set.errors.append(ReadError.fromErrno(errno, path: root, offset: 0, opening: true))
                continue
            }
            if let other = info.nonRegular {
                set.errors.append(
                    ReadError(path: root, offset: 0, kind: .unsupported, message: FileType.refusal(other)))
                continue
            }
            if !info.isDirectory {
                let name = (root as NSString).lastPathComponent
                set.files.append(InputFile(kind: .source, path: root, root: nil, relativePath: name, size: info.size))
                continue
            }
            var ignore = IgnoreStack()
            if options.honourIgnoreFiles { ignore.push(directory: root, relative: "") }
            walk(root: root, directory: root, relative: "", kind: .source, ignore: ignore, into: &set)
        }
    }

    /// An explicit list (for sharding): one entry a line, either a path (a log file), `log<TAB>path`, or
    /// `source<TAB>root<TAB>relative path`. Blank lines and `#` comments are skipped.
    public func addList(_ text: String, listName: String, to set: inout InputSet) {
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let kind: InputFile.Kind
            let path: String
            var root: String?
            var relative: String
            switch (fields.count, fields.first) {
            case (2, "log"):
                (kind, path, relative) = (.log, fields[1], fields[1])
            case (3, "source"):
                root = fields[1]
                (kind, relative) = (.source, fields[2])
                path = (fields[1] as NSString).appendingPathComponent(fields[2])
            case (1, _):
                (kind, path, relative) = (.log, trimmed, trimmed)
            default:
                set.errors.append(
                    ReadError(
                        path: listName, offset: Int64(lineNumber), kind: .open,
                        message:
                            "line \(lineNumber): expected a path, 'log<TAB>path' or 'source<TAB>root<TAB>relative path'"
                    ))
                continue
            }
            guard let info = stat(path: path, follow: true), !info.isDirectory else {
                set.errors.append(
                    ReadError.fromErrno(errno == 0 ? EISDIR : errno, path: path, offset: 0, opening: true))
                continue
            }
            if let other = info.nonRegular {
                set.errors.append(
                    ReadError(path: path, offset: 0, kind: .unsupported, message: FileType.refusal(other)))
                continue
            }
            if kind == .source && info.size > options.maxSourceFileSize {
                set.skipped.append(
                    SkippedFile(path: path, reason: "larger than the \(options.maxSourceFileSize)-byte limit"))
                continue
            }
            set.files.append(InputFile(kind: kind, path: path, root: root, relativePath: relative, size: info.size))
        }
    }

    private func walk(
        root: String, directory: String, relative: String, kind: InputFile.Kind, ignore: IgnoreStack,
        into set: inout InputSet
    ) {
        guard let handle = opendir(directory) else {
            set.errors.append(ReadError.fromErrno(errno, path: directory, offset: 0, opening: true))
            return
        }
        defer { closedir(handle) }
        var entries: [(name: String, type: UInt8)] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            entries.append((name, entry.pointee.d_type))
        }
        entries.sort { $0.name < $1.name }
        for (name, type) in entries {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            var isDirectory = type == UInt8(DT_DIR)
            var isRegular = type == UInt8(DT_REG)
            var size: Int64 = -1
            var nonRegular = Self.nonRegular(direntType: type)
            if type == UInt8(DT_LNK) {
                guard options.followSymlinks, let info = stat(path: path, follow: true) else {
                    if !options.followSymlinks {
                        set.skipped.append(
                            SkippedFile(path: path, reason: "symbolic link (use --follow to follow links)"))
                    }
                    continue
                }
                (isDirectory, isRegular, size) = (info.isDirectory, info.isRegular, info.size)
                nonRegular = info.nonRegular
            } else if type == UInt8(DT_UNKNOWN) {
                guard let info = stat(path: path, follow: false) else { continue }
                (isDirectory, isRegular, size) = (info.isDirectory, info.isRegular, info.size)
                nonRegular = info.nonRegular
            }
            if kind == .source {
                if name == ".git" && isDirectory { continue }
                if ignore.isIgnored(relativePath: relativePath, isDirectory: isDirectory) { continue }
            }
            if let nonRegular {
                // Listed, never opened: a FIFO without a writer would block the scan forever.
                set.skipped.append(SkippedFile(path: path, reason: FileType.refusal(nonRegular)))
                continue
            }
            if isDirectory {
                var childIgnore = ignore
                if kind == .source && options.honourIgnoreFiles {
                    childIgnore.push(directory: path, relative: relativePath)
                }
                walk(root: root, directory: path, relative: relativePath, kind: kind, ignore: childIgnore, into: &set)
            } else if isRegular {
                if size < 0 { size = stat(path: path, follow: false)?.size ?? 0 }
                if kind == .source && size > options.maxSourceFileSize {
                    set.skipped.append(
                        SkippedFile(
                            path: path,
                            reason: "larger than the \(options.maxSourceFileSize)-byte limit (--max-filesize)"))
                    continue
                }
                set.files.append(
                    InputFile(
                        kind: kind, path: path, root: kind == .source ? root : nil, relativePath: relativePath,
                        size: size))
            }
        }
    }

    private func expandGlob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in result.gl_pathv[index].map { String(cString: $0) } }
    }

    struct FileInfo {
        let isDirectory: Bool
        let isRegular: Bool
        let size: Int64
        /// What the file is when it is neither regular nor a directory (`a named pipe (FIFO)`).
        let nonRegular: String?
    }

    /// What a directory entry is when `d_type` says it is a FIFO, socket or device.
    private static func nonRegular(direntType type: UInt8) -> String? {
        switch type {
        case UInt8(DT_FIFO): return FileType.nonRegular(S_IFIFO)
        case UInt8(DT_SOCK): return FileType.nonRegular(S_IFSOCK)
        case UInt8(DT_CHR): return FileType.nonRegular(S_IFCHR)
        case UInt8(DT_BLK): return FileType.nonRegular(S_IFBLK)
        default: return nil
        }
    }

    private func stat(path: String, follow: Bool) -> FileInfo? {
        var info = Foundation.stat()
        let status = fstatat(AT_FDCWD, path, &info, follow ? 0 : AT_SYMLINK_NOFOLLOW)
        guard status == 0 else { return nil }
        let type = info.st_mode & S_IFMT
        return FileInfo(
            isDirectory: type == S_IFDIR, isRegular: type == S_IFREG, size: Int64(info.st_size),
            nonRegular: FileType.nonRegular(info.st_mode))
    }
}

/// The `.gitignore` and `.ignore` rules in force in one directory: its own and its parents'.
struct IgnoreStack {
    struct Rule {
        let pattern: String
        let negated: Bool
        let directoryOnly: Bool
        let anchored: Bool
        /// The directory (relative to the root) that holds the ignore file.
        let base: String
    }
    private(set) var rules: [Rule] = []

    mutating func push(directory: String, relative: String) {
        for file in [".gitignore", ".ignore"] {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
            rules += Self.parse(String(decoding: data, as: UTF8.self), base: relative)
        }
    }

    static func parse(_ text: String, base: String) -> [Rule] {
        var rules: [Rule] = []
        for rawLine in text.split(separator: "\n") {
            var line = String(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            while line.hasSuffix(" ") && !line.hasSuffix("\\ ") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            var negated = false
            if line.hasPrefix("!") {
                negated = true
                line.removeFirst()
            } else if line.hasPrefix("\\") {
                line.removeFirst()
            }
            var directoryOnly = false
            if line.hasSuffix("/") {
                directoryOnly = true
                line.removeLast()
            }
            var anchored = line.dropLast().contains("/")
            if line.hasPrefix("/") {
                anchored = true
                line.removeFirst()
            }
            if line.isEmpty { continue }
            rules.append(
                Rule(pattern: line, negated: negated, directoryOnly: directoryOnly, anchored: anchored, base: base))
        }
        return rules
    }

    /// The last rule that matches decides, as in git.
    func isIgnored(relativePath: String, isDirectory: Bool) -> Bool {
        var ignored = false
        let name = relativePath.split(separator: "/").last.map(String.init) ?? relativePath
        for rule in rules {
            if rule.directoryOnly && !isDirectory { continue }
            let local: String
            if rule.base.isEmpty {
                local = relativePath
            } else if relativePath.hasPrefix(rule.base + "/") {
                local = String(relativePath.dropFirst(rule.base.count + 1))
            } else {
                continue
            }
            let matched =
                rule.anchored ? GlobMatcher.matches(rule.pattern, local) : GlobMatcher.matches(rule.pattern, name)
            if matched { ignored = !rule.negated }
        }
        return ignored
    }
}
