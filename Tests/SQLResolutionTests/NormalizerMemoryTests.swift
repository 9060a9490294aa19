import Foundation
import Testing

@testable import SQLResolution

@Suite struct NormalizerMemoryTests {
    /// Resident memory of this process, from `/proc/self/statm` (pages × page size).
    static func residentBytes() throws -> Int {
        let fields = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Whether a sanitizer runtime is linked in (`make test-sanitize`): AddressSanitizer keeps freed memory in
    /// quarantine and both keep shadow memory, so resident memory says nothing about what the code keeps
    /// (LeakSanitizer checks that directly there).
    static let sanitized = ["__asan_init", "__tsan_init"].contains { (name: String) in
        dlsym(dlopen(nil, RTLD_NOW), name) != nil
    }

    /// A scan normalizes every statement that names a target, millions of times: nothing may stay behind.
    /// 1,000,000 statements of 90 bytes would keep about 200 MB if each left its buffer. Resident memory is the
    /// whole process's, and other suites run beside this one (they were seen to add 18 MB), so the bound is
    /// 48 MiB: a quarter of what a leak would keep.
    @Test(.disabled(if: sanitized, "resident memory is not the code's under a sanitizer"))
    func normalizingKeepsNoMemory() throws {
        let sql = "UPDATE orders SET legacy_status = 'migrated', note = 'x' WHERE id = 42 AND customer_id = 7"
        var sink = 0
        for _ in 0..<2_000 { sink &+= SQLNormalizer.normalize(sql).placeholderCount }
        let before = try Self.residentBytes()
        for _ in 0..<1_000_000 { sink &+= SQLNormalizer.normalize(sql).placeholderCount }
        let grown = try Self.residentBytes() - before
        #expect(sink == 1_002_000 * 4)
        #expect(grown < 48 << 20, "resident memory grew by \(grown) bytes over 1,000,000 normalizations")
    }
}
