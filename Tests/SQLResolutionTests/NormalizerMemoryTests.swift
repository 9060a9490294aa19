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
    /// 200,000 statements of 90 bytes would keep about 40 MB if each left its buffer.
    @Test(.disabled(if: sanitized, "resident memory is not the code's under a sanitizer"))
    func normalizingKeepsNoMemory() throws {
        let sql = "UPDATE orders SET legacy_status = 'migrated', note = 'x' WHERE id = 42 AND customer_id = 7"
        var sink = 0
        for _ in 0..<2_000 { sink &+= SQLNormalizer.normalize(sql).placeholderCount }
        let before = try Self.residentBytes()
        for _ in 0..<200_000 { sink &+= SQLNormalizer.normalize(sql).placeholderCount }
        let grown = try Self.residentBytes() - before
        #expect(sink == 202_000 * 4)
        #expect(grown < 8 << 20, "resident memory grew by \(grown) bytes over 200,000 normalizations")
    }
}
