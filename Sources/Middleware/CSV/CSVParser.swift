/// RFC 4180 CSV: fields separated by commas, records by CRLF or LF, fields
/// in double quotes may hold commas, line breaks and `""` for a quote.
///
/// Strict where the RFC is: a quote inside an unquoted field, or text after a
/// closing quote, is an error naming the row (1-based, the header is row 1)
/// and column, because guessing would silently load a wrong value. A UTF-8
/// byte-order mark at the start (spreadsheet exports add one) is skipped.
public struct CSVParser: Sendable {
    /// Most records accepted, so an upload cannot exhaust memory.
    public var maximumRows: Int

    public init(maximumRows: Int = 100_000) {
        self.maximumRows = maximumRows
    }

    public func parse(_ text: String) throws(CSVError) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var index = 0
        var quoted = false
        var afterQuote = false
        var fieldStarted = false

        func finishField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            quoted = false
            afterQuote = false
            fieldStarted = false
        }
        func finishRow() throws(CSVError) {
            finishField()
            rows.append(row)
            row = []
            guard rows.count <= maximumRows else {
                throw CSVError(row: rows.count, column: nil, message: "more than \(maximumRows) rows")
            }
        }

        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index < bytes.count && bytes[index] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                finishField()
                fieldStarted = true
            case UInt8(ascii: "\r") where index < bytes.count && bytes[index] == UInt8(ascii: "\n"):
                index += 1
                try finishRow()
            case UInt8(ascii: "\n"):
                try finishRow()
            case UInt8(ascii: "\"") where field.isEmpty && !afterQuote:
                quoted = true
                fieldStarted = true
            default:
                if afterQuote || byte == UInt8(ascii: "\"") {
                    throw CSVError(
                        row: rows.count + 1, column: row.count + 1,
                        message: afterQuote
                            ? "text after the closing quote; quote the whole field"
                            : "a quote inside an unquoted field; quote the field and double the quote")
                }
                field.append(byte)
                fieldStarted = true
            }
        }
        if quoted {
            throw CSVError(row: rows.count + 1, column: row.count + 1, message: "a quoted field is not closed")
        }
        if fieldStarted || !field.isEmpty || !row.isEmpty || afterQuote {
            try finishRow()
        }
        return rows
    }
}

/// A CSV problem, naming the row (1-based, header = 1) and column where known.
public struct CSVError: Error, Equatable, CustomStringConvertible {
    public let row: Int
    public let column: Int?
    public let message: String

    public init(row: Int, column: Int?, message: String) {
        self.row = row
        self.column = column
        self.message = message
    }

    public var description: String {
        "row \(row)" + (column.map { ", column \($0)" } ?? "") + ": \(message)"
    }
}
