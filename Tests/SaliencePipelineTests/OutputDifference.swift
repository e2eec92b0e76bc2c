/// How a partition's written output differs from the expected one, for a
/// failure message: lengths, the first differing position, and whether the
/// rest matches with one record duplicated, missing, or changed.
struct OutputDifference: CustomStringConvertible {
    let written: [[UInt8]]
    let expected: [[UInt8]]

    var description: String {
        let common = min(written.count, expected.count)
        guard let first = (0..<common).first(where: { written[$0] != expected[$0] })
            ?? (written.count == expected.count ? nil : common)
        else { return "identical" }
        let kind: String
        if written.count == expected.count + 1, written[(first + 1)...].elementsEqual(expected[first...]) {
            kind = "one extra record (a duplicate: \(first > 0 && written[first] == written[first - 1]))"
        } else if written.count + 1 == expected.count, written[first...].elementsEqual(expected[(first + 1)...]) {
            kind = "one record missing"
        } else if written.count == expected.count, written[(first + 1)...].elementsEqual(expected[(first + 1)...]) {
            kind = "one record changed"
        } else {
            var seen = Set<[UInt8]>()
            let repeated = written.count { !seen.insert($0).inserted }
            let missing = Set(expected).subtracting(seen).count
            kind = "the rest differs too (\(repeated) written records repeat an earlier one, \(missing) expected ones are absent)"
        }
        func text(_ records: [[UInt8]]) -> String {
            records.indices.contains(first) ? String(decoding: records[first].prefix(300), as: UTF8.self) : "(end)"
        }
        return "\(written.count) written, \(expected.count) expected; first difference at \(first): \(kind)\n"
            + "written:  \(text(written))\nexpected: \(text(expected))"
    }
}
