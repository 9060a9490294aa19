/// A Markdown document whose lists a size budget can cut: every cut list ends with
/// `N more not shown (see the JSON report)`, so that nothing is left out without saying so.
struct MarkdownDocument {
    indirect enum Piece {
        case text(String)
        case list(List)
    }

    /// Items shown up to the document's cap times `weight`; the rest are counted.
    struct List {
        /// Written before the first item (a heading, a table header); the list is left out when empty.
        var head: String
        var items: [[Piece]]
        /// Between items (`""` for table rows and bullets, `", "` for an inline list).
        var separator = ""
        /// Written after the items and the count of those left out.
        var tail = "\n"
        /// How many more items than a plain list this one may show for the same cap.
        var weight = 1
        /// Whether the count of items left out follows on the same line (an inline list).
        var inline = false
    }

    var pieces: [Piece] = []

    mutating func append(_ text: String) { pieces.append(.text(text)) }
    mutating func append(_ list: List) { pieces.append(.list(list)) }

    /// The document within `budget` UTF-8 bytes: the largest cap on items per list that fits.
    func render(budget: Int) -> String {
        let full = render(cap: Int.max)
        if full.utf8.count <= budget { return full }
        var low = 0
        var high = maxItems(pieces)
        var best = render(cap: 0)
        while low <= high {
            let middle = (low + high) / 2
            let candidate = render(cap: middle)
            if candidate.utf8.count <= budget {
                best = candidate
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        if best.utf8.count <= budget { return best }
        // Even the headings alone do not fit: cut at a line and say so.
        let note = "\n\nThe rest is not shown (see the JSON report).\n"
        var cut = Substring(best).utf8.prefix(max(budget - note.utf8.count, 0))
        while let last = cut.last, last != 0x0A { cut = cut.dropLast() }
        return String(decoding: cut, as: UTF8.self) + note
    }

    static func moreNotShown(_ count: Int) -> String { "\(count) more not shown (see the JSON report)" }

    private func render(cap: Int) -> String {
        var out = ""
        render(pieces, cap: cap, into: &out)
        return out
    }

    private func render(_ pieces: [Piece], cap: Int, into out: inout String) {
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .list(let list):
                guard !list.items.isEmpty else { continue }
                let (product, overflow) = cap.multipliedReportingOverflow(by: list.weight)
                let shown = min(list.items.count, overflow ? Int.max : product)
                out += list.head
                for (index, item) in list.items.prefix(shown).enumerated() {
                    if index > 0 { out += list.separator }
                    render(item, cap: cap, into: &out)
                }
                let hidden = list.items.count - shown
                if hidden > 0 {
                    if list.inline {
                        out += (shown > 0 ? "; " : "") + Self.moreNotShown(hidden)
                    } else {
                        out += "\n_\(Self.moreNotShown(hidden))._\n"
                    }
                }
                out += list.tail
            }
        }
    }

    private func maxItems(_ pieces: [Piece]) -> Int {
        var result = 0
        for case .list(let list) in pieces {
            result = max(result, list.items.count)
            for item in list.items { result = max(result, maxItems(item)) }
        }
        return result
    }
}
