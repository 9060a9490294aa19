import Matching
import SQLResolution

/// A column target, a whole-table target and a quoted, schema-qualified one.
let targets = ["orders.legacy_status", "audit_notes.*", #"billing."LegacyInvoices".amount"#].map {
    try! Target(parsing: $0)
}
let resolver = SQLResolver(targets: targets, cacheCapacity: 64)

/// The SQL resolver (libpg_query's parse, the binder, the fallback for what does not parse) and the
/// normalizer that groups and redacts statements.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSQL(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let sql = String(decoding: inputBytes(start, count), as: UTF8.self)
    let normalized = SQLNormalizer.normalize(sql)
    _ = SQLNormalizer.redactLogLine(sql)
    let resolution = resolver.resolve(sql, normalized: normalized)
    for index in targets.indices { _ = resolution.outcome(forTarget: index) }
    return 0
}
