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
    /// Why an input was skipped.
    public enum Kind: String, Sendable, Codable {
        /// A NUL byte in the first 8 KiB and no Unicode encoding (UTF-16, UTF-32) to decode.
        case binary
        /// A source file over `--max-filesize`.
        case tooLarge = "too-large"
        /// A FIFO, socket or device: never opened.
        case specialFile = "special-file"
        /// A symbolic link, not followed without `--follow`.
        case symlink
        /// A symbolic link that leads back to a folder being walked, or to itself.
        case symlinkLoop = "symlink-loop"
        /// A symbolic link whose target does not exist.
        case brokenSymlink = "broken-symlink"
        /// A file or folder already walked under another name (reached again through a symbolic link).
        case duplicate
    }

    public let path: String
    public var reason: String
    public var kind: Kind?
    /// Whether the skipped file may hold a use (it names a target): a clean result is then inconclusive.
    public var mayHoldUse = false
    /// Where the file first names a target (line 1-based; byte offset when the file is read as bytes).
    public var line: Int?
    public var offset: Int64?

    public init(path: String, reason: String, kind: Kind? = nil) {
        self.path = path
        self.reason = reason
        self.kind = kind
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
                set.skipped.append(Self.tooLarge(path: path, limit: options.maxSourceFileSize))
                continue
            }
            set.files.append(InputFile(kind: kind, path: path, root: root, relativePath: relative, size: info.size))
        }
    }

    /// A file's identity: the same (device, inode) reached twice is the same file or folder.
    struct FileID: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    /// What one walk has seen: the folders being walked (a link back to one is a loop) and, with `--follow`,
    /// every folder and file already listed (one reached again through a link is listed once).
    struct WalkState {
        var ancestors: [(id: FileID, path: String)] = []
        var seenDirectories: [FileID: String] = [:]
        var seenFiles: [FileID: String] = [:]
    }

    private func walk(
        root: String, directory: String, relative: String, kind: InputFile.Kind, ignore: IgnoreStack,
        into set: inout InputSet
    ) {
        var state = WalkState()
        walk(
            root: root, directory: directory, relative: relative, kind: kind, ignore: ignore, state: &state, into: &set)
    }

    private func walk(
        root: String, directory: String, relative: String, kind: InputFile.Kind, ignore: IgnoreStack,
        state: inout WalkState, into set: inout InputSet
    ) {
        guard let handle = opendir(directory) else {
            set.errors.append(ReadError.fromErrno(errno, path: directory, offset: 0, opening: true))
            return
        }
        defer { closedir(handle) }
        var info = Foundation.stat()
        guard fstat(dirfd(handle), &info) == 0 else {
            set.errors.append(ReadError.fromErrno(errno, path: directory, offset: 0, opening: true))
            return
        }
        let id = FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        if let ancestor = state.ancestors.first(where: { $0.id == id }) {
            set.skipped.append(
                SkippedFile(
                    path: directory,
                    reason: "symbolic link loop: it leads back to \(ancestor.path), which is being scanned",
                    kind: .symlinkLoop))
            return
        }
        if options.followSymlinks {
            if let first = state.seenDirectories[id] {
                set.skipped.append(
                    SkippedFile(
                        path: directory, reason: "the same folder as \(first), scanned under that name",
                        kind: .duplicate))
                return
            }
            state.seenDirectories[id] = directory
        }
        state.ancestors.append((id, directory))
        defer { state.ancestors.removeLast() }
        var entries: [(name: String, type: UInt8, inode: UInt64)] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            entries.append((name, entry.pointee.d_type, UInt64(entry.pointee.d_ino)))
        }
        entries.sort { $0.name < $1.name }
        for (name, type, inode) in entries {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            var isDirectory = type == UInt8(DT_DIR)
            var isRegular = type == UInt8(DT_REG)
            var size: Int64 = -1
            var nonRegular = Self.nonRegular(direntType: type)
            var fileID = FileID(device: id.device, inode: inode)
            if type == UInt8(DT_LNK) {
                guard options.followSymlinks else {
                    set.skipped.append(
                        SkippedFile(
                            path: path, reason: "symbolic link (use --follow to follow links)", kind: .symlink))
                    continue
                }
                guard let target = stat(path: path, follow: true) else {
                    let code = errno
                    if let skipped = Self.unfollowable(path: path, code: code) {
                        set.skipped.append(skipped)
                    } else {
                        set.errors.append(ReadError.fromErrno(code, path: path, offset: 0, opening: true))
                    }
                    continue
                }
                (isDirectory, isRegular, size) = (target.isDirectory, target.isRegular, target.size)
                nonRegular = target.nonRegular
                fileID = target.id
            } else if type == UInt8(DT_UNKNOWN) {
                guard let target = stat(path: path, follow: false) else {
                    set.errors.append(ReadError.fromErrno(errno, path: path, offset: 0, opening: true))
                    continue
                }
                (isDirectory, isRegular, size) = (target.isDirectory, target.isRegular, target.size)
                nonRegular = target.nonRegular
                fileID = target.id
            }
            if kind == .source {
                if name == ".git" && isDirectory { continue }
                if ignore.isIgnored(relativePath: relativePath, isDirectory: isDirectory) { continue }
            }
            if let nonRegular {
                // Listed, never opened: a FIFO without a writer would block the scan forever.
                set.skipped.append(SkippedFile(path: path, reason: FileType.refusal(nonRegular), kind: .specialFile))
                continue
            }
            if isDirectory {
                var childIgnore = ignore
                if kind == .source && options.honourIgnoreFiles {
                    childIgnore.push(directory: path, relative: relativePath)
                }
                walk(
                    root: root, directory: path, relative: relativePath, kind: kind, ignore: childIgnore,
                    state: &state, into: &set)
            } else if isRegular {
                if options.followSymlinks {
                    if let first = state.seenFiles[fileID] {
                        set.skipped.append(
                            SkippedFile(
                                path: path, reason: "the same file as \(first), scanned under that name",
                                kind: .duplicate))
                        continue
                    }
                    state.seenFiles[fileID] = path
                }
                if size < 0 { size = stat(path: path, follow: false)?.size ?? 0 }
                if kind == .source && size > options.maxSourceFileSize {
                    set.skipped.append(Self.tooLarge(path: path, limit: options.maxSourceFileSize))
                    continue
                }
                set.files.append(
                    InputFile(
                        kind: kind, path: path, root: kind == .source ? root : nil, relativePath: relativePath,
                        size: size))
            }
        }
    }

    /// A source file over the size limit (its names are looked for by a streaming pass later).
    static func tooLarge(path: String, limit: Int64) -> SkippedFile {
        SkippedFile(path: path, reason: "larger than the \(limit)-byte limit (--max-filesize)", kind: .tooLarge)
    }

    /// Why a symbolic link cannot be followed: a loop (`ELOOP`) or a missing target; `nil` for an error
    /// (a permission problem), which is reported as one.
    private static func unfollowable(path: String, code: Int32) -> SkippedFile? {
        switch code {
        case ELOOP:
            return SkippedFile(
                path: path, reason: "symbolic link loop: following it leads back to itself", kind: .symlinkLoop)
        case ENOENT, ENOTDIR:
            return SkippedFile(
                path: path, reason: "broken symbolic link: its target does not exist", kind: .brokenSymlink)
        default:
            return nil
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
        let id: FileID
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
            nonRegular: FileType.nonRegular(info.st_mode),
            id: FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }
}
