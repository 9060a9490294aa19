import Crypto
import Foundation

/// Stable identities for findings: they survive lines moving, so a reviewer's triage carries over.
public enum Fingerprint {
    /// SHA-256 (hex) of rule, target, path and the line's text with white space folded; no line number.
    public static func finding(rule: String, target: String, path: String, lineText: String) -> String {
        let folded = lineText.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
        let material = [rule, target, path, folded].joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(material.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
