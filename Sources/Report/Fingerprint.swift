import Crypto
import Foundation

/// Stable identities for findings: they survive lines moving, so a reviewer's triage carries over.
public enum Fingerprint {
    /// SHA-256 (hex) of rule, target, path and the line's text with white space folded; no line number.
    public static func finding(rule: String, target: String, path: String, lineText: String) -> String {
        var material: [UInt8] = []
        material.reserveCapacity(rule.utf8.count + target.utf8.count + path.utf8.count + lineText.utf8.count + 3)
        for (index, part) in [rule, target, path].enumerated() {
            if index > 0 { material.append(0x1F) }
            material.append(contentsOf: part.utf8)
        }
        material.append(0x1F)
        // White space folded: runs of spaces, tabs and carriage returns count as one space; none at the ends.
        var pendingSpace = false
        var wroteWord = false
        for byte in lineText.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0D {
                pendingSpace = wroteWord
            } else {
                if pendingSpace { material.append(0x20) }
                pendingSpace = false
                wroteWord = true
                material.append(byte)
            }
        }
        return hex(SHA256.hash(data: material))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
