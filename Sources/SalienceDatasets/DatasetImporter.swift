import SalienceCore

/// Turns lines of a dataset file into canonical events. A bad row never stops
/// the import: it comes back as a ``DatasetImporter/RowError`` with its line
/// number and reason.
public struct DatasetImporter: Sendable {
    /// Why a row was not imported.
    public struct RowError: Error, Hashable, Sendable, CustomStringConvertible {
        public let line: Int
        public let reason: EventDecodingError.Reason
        public let detail: String

        public var description: String { "line \(line): \(reason): \(detail)" }
    }

    /// The result of one line.
    public enum Row: Sendable {
        case event(BehaviorEvent)
        /// Line 1 holding a dataset format's header (this format's or another's); not a row.
        case header
        /// An empty line.
        case skipped
        case failed(RowError)
    }

    public let format: DatasetFormat
    private let decoder: EventDecoder

    public init(format: DatasetFormat, decoder: EventDecoder = EventDecoder()) {
        self.format = format
        self.decoder = decoder
    }

    /// Imports one line (without its newline); `number` counts from 1.
    public func row(_ line: Substring, number: Int) -> Row {
        let line = line.hasSuffix("\r") ? line.dropLast() : line
        if line.allSatisfy({ $0 == " " || $0 == "\t" }) { return .skipped }
        if number == 1, !DatasetFormat.formats(withHeader: line).isEmpty { return .header }
        do throws(EventDecodingError) {
            return .event(try event(line))
        } catch {
            return .failed(RowError(line: number, reason: error.reason, detail: error.detail))
        }
    }

    private func event(_ line: Substring) throws(EventDecodingError) -> BehaviorEvent {
        if format == .jsonl { return try decoder.decode(Array(line.utf8)) }
        guard let fields = CSVRow.fields(line) else {
            throw EventDecodingError(.malformedJSON, "a quoted CSV field is not closed")
        }
        guard fields.count == format.columns else {
            throw EventDecodingError(.missingField, "expected \(format.columns) columns, found \(fields.count)")
        }
        func field(_ index: Int) -> String { String(fields[index]) }
        func required(_ index: Int, _ name: String) throws(EventDecodingError) -> String {
            let value = field(index)
            guard !value.isEmpty, value != "NA" else {
                throw EventDecodingError(.missingField, "\(name) is empty", field: name)
            }
            return value
        }
        func type(_ name: String) throws(EventDecodingError) -> BehaviorType {
            guard let type = decoder.configuration.aliases.resolve(name) else {
                throw EventDecodingError(.unknownEventType, "unknown behaviour '\(name)'", field: "type")
            }
            return type
        }
        func milliseconds(seconds text: String) throws(EventDecodingError) -> Int64 {
            guard let seconds = Double(text), seconds.isFinite else {
                throw EventDecodingError(.timestampOutOfRange, "'\(text)' is not a number of seconds", field: "ts")
            }
            return Int64((seconds * 1000).rounded())
        }
        func integer(_ text: String, _ name: String) throws(EventDecodingError) -> Int64 {
            guard let value = Int64(text) else {
                throw EventDecodingError(.wrongType, "\(name) '\(text)' is not an integer", field: name)
            }
            return value
        }
        var event: BehaviorEvent
        switch format {
        case .taobao:
            event = BehaviorEvent(userID: try required(0, "user_id"), itemID: try required(1, "item_id"),
                                  type: try type(field(3)), timestamp: try milliseconds(seconds: field(4)))
            event.categoryID = field(2).isEmpty ? nil : field(2)
        case .retailrocket:
            event = BehaviorEvent(userID: try required(1, "visitorid"), itemID: try required(3, "itemid"),
                                  type: try type(field(2)), timestamp: try integer(field(0), "timestamp"))
            if !field(4).isEmpty { event.context = [.init(key: "transaction_id", value: .string(field(4)))] }
        case .rees46:
            let time = field(0).replacingSuffix(" UTC", with: "Z")
            guard let timestamp = RFC3339.milliseconds(time) else {
                throw EventDecodingError(.timestampOutOfRange, "event_time '\(field(0))' is not 'YYYY-MM-DD HH:MM:SS UTC'", field: "event_time")
            }
            event = BehaviorEvent(userID: try required(7, "user_id"), itemID: try required(2, "product_id"),
                                  type: try type(field(1)), timestamp: timestamp)
            event.categoryID = field(3).isEmpty ? nil : field(3)
            if !field(6).isEmpty {
                guard let price = Double(field(6)), price.isFinite, price >= 0 else {
                    throw EventDecodingError(.invalidValue, "price '\(field(6))' is not a number ≥ 0", field: "price")
                }
                event.price = price
            }
            event.sessionID = field(8).isEmpty ? nil : field(8)
            if !field(4).isEmpty { event.context.append(.init(key: "category_code", value: .string(field(4)))) }
            if !field(5).isEmpty { event.context.append(.init(key: "brand", value: .string(field(5)))) }
        case .otto:
            event = BehaviorEvent(userID: try required(0, "session"), itemID: try required(1, "aid"),
                                  type: try type(field(3)), timestamp: try integer(field(2), "ts"))
            event.sessionID = field(0)
        case .yoochoose:
            event = BehaviorEvent(userID: try required(0, "SessionId"), itemID: try required(1, "ItemId"),
                                  type: .click, timestamp: try milliseconds(seconds: field(2)))
            event.sessionID = field(0)
        case .tianchi:
            let types: [String: BehaviorType] = ["1": .click, "2": .fav, "3": .cart, "4": .purchase]
            guard let behavior = types[field(2)] else {
                throw EventDecodingError(.unknownEventType, "behavior_type '\(field(2))' is not 1–4", field: "behavior_type")
            }
            // "YYYY-MM-DD HH" in China time (UTC+8).
            guard let timestamp = RFC3339.milliseconds(field(5) + ":00:00+08:00") else {
                throw EventDecodingError(.timestampOutOfRange, "time '\(field(5))' is not 'YYYY-MM-DD HH'", field: "time")
            }
            event = BehaviorEvent(userID: try required(0, "user_id"), itemID: try required(1, "item_id"),
                                  type: behavior, timestamp: timestamp)
            event.categoryID = field(4).isEmpty ? nil : field(4)
            if !field(3).isEmpty { event.context = [.init(key: "geohash", value: .string(field(3)))] }
        case .diginetica:
            guard let day = RFC3339.milliseconds(field(4) + "T00:00:00Z") else {
                throw EventDecodingError(.timestampOutOfRange, "eventdate '\(field(4))' is not 'YYYY-MM-DD'", field: "eventdate")
            }
            event = BehaviorEvent(userID: try required(0, "session_id"), itemID: try required(2, "item_id"),
                                  type: .view, timestamp: day + (try integer(field(3), "timeframe")))
            event.sessionID = field(0)
            if field(1) != "NA", !field(1).isEmpty { event.context = [.init(key: "user_id", value: .string(field(1)))] }
        case .jsonl:
            preconditionFailure("handled above")
        }
        guard decoder.configuration.timestampRange.contains(event.timestamp) else {
            throw EventDecodingError(.timestampOutOfRange, "\(event.timestamp) ms is outside the accepted range", field: "ts")
        }
        return event
    }
}

extension String {
    func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}
