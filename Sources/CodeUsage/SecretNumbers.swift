/// The secrets `SecretMasker` finds as runs of digits (card numbers) and of base64 (Azure storage keys).
extension SecretMasker {
    /// Payment card numbers: 13 to 19 digits, optionally grouped by single spaces or dashes (one kind per
    /// number), that pass the Luhn check and start as a card network's numbers do (ISO/IEC 7812 issuer
    /// ranges of Visa, Mastercard, Amex, Diners, JCB, Discover, UnionPay, Maestro and Mir: a first digit of
    /// 2 to 6). A run that is part of a word or a decimal is left alone; a grouped run longer than a card
    /// is masked up to the longest group boundary that makes a valid card number.
    static func scanCardNumbers(_ line: UnsafeRawBufferPointer, into found: inout [Range<Int>]) {
        let count = line.count
        var index = 0
        while index < count {
            guard isDigit(line[index]), index == 0 || !(isWord(line[index - 1]) || line[index - 1] == 0x2E) else {
                index += 1
                continue
            }
            var digits: [UInt8] = []
            // The index after each group of digits, and the digit count there.
            var groupEnds: [(end: Int, digits: Int)] = []
            var separator: UInt8?
            var end = index
            while end < count {
                let byte = line[end]
                if isDigit(byte) {
                    if digits.count < 20 { digits.append(byte - 0x30) }
                    end += 1
                    continue
                }
                let isSeparator = separator.map { $0 == byte } ?? (byte == 0x20 || byte == 0x2D)
                guard isSeparator, end + 1 < count, isDigit(line[end + 1]) else { break }
                groupEnds.append((end, digits.count))
                separator = byte
                end += 1
            }
            groupEnds.append((end, digits.count))
            let touchesWord =
                end < count && (isWord(line[end]) || (line[end] == 0x2E && end + 1 < count && isDigit(line[end + 1])))
            if !touchesWord {
                for group in groupEnds.reversed() where group.digits >= 13 && group.digits <= 19 {
                    if isCardNumber(Array(digits[..<group.digits])) {
                        found.append(index..<group.end)
                        break
                    }
                }
            }
            index = end
        }
    }

    static func isCardNumber(_ digits: [UInt8]) -> Bool {
        guard digits.count >= 13 && digits.count <= 19 else { return false }
        let lead = Int(digits[0]) * 1000 + Int(digits[1]) * 100 + Int(digits[2]) * 10 + Int(digits[3])
        switch digits[0] {
        case 2: guard (2200...2204).contains(lead) || (2221...2720).contains(lead) else { return false }
        case 3: guard ![1, 2, 3].contains(digits[1]) else { return false }
        case 4, 5, 6: break
        default: return false
        }
        var sum = 0
        for (position, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if position % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// An Azure storage account key written bare: exactly 86 base64 characters and `==` (64 random bytes),
    /// not part of a longer run. (`AccountKey=…` in a connection string is caught as an assignment too.)
    static func scanBase64Keys(_ line: UnsafeRawBufferPointer, into found: inout [Range<Int>]) {
        let count = line.count
        var index = 0
        while index < count {
            guard isBase64(line[index]) else {
                index += 1
                continue
            }
            var end = index
            while end < count && isBase64(line[end]) { end += 1 }
            let atBoundary = index == 0 || !isBase64(line[index - 1])
            if atBoundary, end - index == 86, end + 1 < count, line[end] == 0x3D, line[end + 1] == 0x3D,
                end + 2 == count || !(isBase64(line[end + 2]) || line[end + 2] == 0x3D)
            {
                found.append(index..<end + 2)
            }
            index = end
        }
    }
}
