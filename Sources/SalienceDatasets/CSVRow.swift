/// Splits one CSV line (RFC 4180: commas, double-quoted fields with `""`
/// escapes) into fields.
enum CSVRow {
    /// The fields, or `nil` when a quoted field is not closed.
    static func fields(_ line: Substring) -> [Substring]? {
        guard line.contains("\"") else {
            return line.split(separator: ",", omittingEmptySubsequences: false)
        }
        var fields: [Substring] = []
        var current = ""
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if inQuotes {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                inQuotes = true
            } else if character == "," {
                fields.append(Substring(current))
                current = ""
            } else {
                current.append(character)
            }
            index = line.index(after: index)
        }
        guard !inQuotes else { return nil }
        fields.append(Substring(current))
        return fields
    }
}
