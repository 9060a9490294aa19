import CHyperscan
import CPCRE2

/// A PCRE2 compile error: PCRE2's own message and the byte offset in the pattern where it stopped.
public struct PatternCompileError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int

    public var description: String { "\(message) at offset \(offset)" }
}

/// Why a match attempt gave up instead of answering; a rule that hits one of these is reported, not trusted.
public enum MatchFailure: Error, Equatable, CustomStringConvertible {
    /// The match or depth limit was reached: the rule backtracks pathologically on this input.
    case limitExceeded(code: Int32)
    /// Any other PCRE2 error.
    case pcre2(code: Int32, message: String)

    public var description: String {
        switch self {
        case .limitExceeded(let code):
            let which =
                code == PCRE2_ERROR_JIT_STACKLIMIT
                ? "JIT stack"
                : code == PCRE2_ERROR_HEAPLIMIT ? "heap" : code == PCRE2_ERROR_DEPTHLIMIT ? "depth" : "match"
            return "the pattern reached PCRE2's \(which) limit (it backtracks catastrophically on this text)"
        case .pcre2(let code, let message):
            return "PCRE2 error \(code): \(message)"
        }
    }
}

/// A PCRE2 pattern compiled once (with JIT when available), matched over byte buffers.
///
/// `@unchecked Sendable` is safe: after `pcre2_compile_8` and `pcre2_jit_compile_8` the `pcre2_code` is
/// read-only, and PCRE2 documents that one compiled pattern may be used by several threads at once as long
/// as each thread uses its own match data (`MatchScratch`), which is how `firstMatch` is called.
public final class CompiledPattern: @unchecked Sendable {
    /// The source text, for messages.
    public let source: String
    /// Whether JIT compilation succeeded (it can fail on exotic patterns; matching still works, slower).
    public let isJIT: Bool
    private let code: OpaquePointer

    /// Compiles `source` (calls `pcre2_compile_8`, then `pcre2_jit_compile_8` with `PCRE2_JIT_COMPLETE`).
    /// Byte mode (no UTF): logs are not guaranteed to be valid UTF-8, and identifiers are ASCII-folded.
    public init(_ source: String, caseless: Bool = false) throws(PatternCompileError) {
        self.source = source
        var errorCode: Int32 = 0
        var errorOffset: Int = 0
        let options: UInt32 = caseless ? UInt32(PCRE2_CASELESS) : 0
        let compiled = source.utf8CString.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: buffer.count) { pointer in
                pcre2_compile_8(pointer, buffer.count - 1, options, &errorCode, &errorOffset, nil)
            }
        }
        guard let compiled else {
            throw PatternCompileError(message: Self.message(for: errorCode), offset: errorOffset)
        }
        code = compiled
        isJIT = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
    }

    deinit { pcre2_code_free_8(code) }

    /// The first match at or after `start` in `subject`, as a byte range; `nil` when there is none.
    public func firstMatch(in subject: UnsafeRawBufferPointer, from start: Int = 0, scratch: MatchScratch)
        throws(MatchFailure) -> Range<Int>?
    {
        let emptyByte: [UInt8] = [0]
        let result: Int32 = emptyByte.withUnsafeBufferPointer { empty in
            let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty.baseAddress!
            return pcre2_match_8(code, base, subject.count, start, 0, scratch.matchData, scratch.context)
        }
        if result == PCRE2_ERROR_NOMATCH { return nil }
        if result < 0 {
            if result == PCRE2_ERROR_MATCHLIMIT || result == PCRE2_ERROR_DEPTHLIMIT
                || result == PCRE2_ERROR_JIT_STACKLIMIT
                || result == PCRE2_ERROR_HEAPLIMIT
            {
                scratch.limitsReached += 1
                throw .limitExceeded(code: result)
            }
            throw .pcre2(code: result, message: Self.message(for: result))
        }
        let ovector = pcre2_get_ovector_pointer_8(scratch.matchData)!
        return Int(ovector[0])..<Int(ovector[1])
    }

    /// Whether the pattern matches anywhere in `text` (a convenience for samples and tests).
    public func matches(_ text: String, scratch: MatchScratch) throws(MatchFailure) -> Bool {
        try anyMatch(in: text) { (buffer) throws(MatchFailure) in try firstMatch(in: buffer, scratch: scratch) }
    }

    static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(code, &buffer, buffer.count)
        return length > 0 ? String(decoding: buffer[0..<Int(length)], as: UTF8.self) : "PCRE2 error \(code)"
    }
}

/// Whether `search` finds a match in the UTF-8 bytes of `text`.
func anyMatch(in text: String, _ search: (UnsafeRawBufferPointer) throws(MatchFailure) -> Range<Int>?)
    throws(MatchFailure) -> Bool
{
    let bytes = Array(text.utf8)
    let result: Result<Bool, MatchFailure> = bytes.withUnsafeBytes { buffer in
        Result { () throws(MatchFailure) -> Bool in try search(buffer) != nil }
    }
    return try result.get()
}

/// The PCRE2 limits every match runs under.
///
/// With JIT (x86-64 and arm64), PCRE2 counts `matchLimit` afresh at each start position and ignores the depth
/// limit; the interpreter (used only where JIT compilation fails) counts `matchLimit` the same way and also
/// bounds the nesting of backtracking frames (`depthLimit`) and their memory (`heapLimitKiB`). The bundled
/// rules scan a unit at most once per start position (about one count per byte), and a unit is at most 16 MiB
/// (a log entry; a source line is shorter than `--max-filesize`): real input stays far below
/// `MatchLimits.match`, while a rule that backtracks exponentially reaches it within about a second.
public enum MatchLimits {
    /// Backtracking steps per start position.
    public static let match: UInt32 = 100_000_000
    /// Nested backtracking frames (interpreter only).
    public static let depth: UInt32 = 2_000_000
    /// Heap for backtracking frames, in KiB (interpreter only).
    public static let heapKiB: UInt32 = 512 * 1024
}

/// Per-thread PCRE2 state: match data, a match context with limits, and a JIT stack.
///
/// One per worker thread; never shared. `@unchecked Sendable` only so that it can be handed to the thread
/// that will own it.
public final class MatchScratch: @unchecked Sendable {
    fileprivate let matchData: OpaquePointer
    fileprivate let context: OpaquePointer
    private let jitStack: OpaquePointer?
    /// How many matches on this scratch gave up at a limit (for tests and statistics).
    public fileprivate(set) var limitsReached = 0

    /// Limits keep a pathological rule from hanging a scan (see `MatchLimits`); the JIT stack is at most 1 MiB.
    public init(
        matchLimit: UInt32 = MatchLimits.match, depthLimit: UInt32 = MatchLimits.depth,
        heapLimitKiB: UInt32 = MatchLimits.heapKiB
    ) {
        matchData = pcre2_match_data_create_8(4, nil)
        context = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(context, matchLimit)
        pcre2_set_depth_limit_8(context, depthLimit)
        pcre2_set_heap_limit_8(context, heapLimitKiB)
        jitStack = pcre2_jit_stack_create_8(32 * 1024, 1024 * 1024, nil)
        if let jitStack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack)) }
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_match_context_free_8(context)
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
        if let literalScratchPointer { hs_free_scratch(literalScratchPointer) }
    }

    /// Vectorscan's scratch for this thread, grown to serve `database` too (`nil` if it cannot be allocated).
    private var literalScratchPointer: OpaquePointer?
    func literalScratch(for database: OpaquePointer) -> OpaquePointer? {
        var scratch = literalScratchPointer
        guard hs_alloc_scratch(database, &scratch) == HS_SUCCESS else { return nil }
        literalScratchPointer = scratch
        return scratch
    }
    /// Where ``LiteralSearch`` collects one search's occurrences, reused from call to call.
    let literalHits = LiteralHits()
}
