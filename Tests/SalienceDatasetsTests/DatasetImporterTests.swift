@testable import SalienceDatasets
import Foundation
import SalienceCore
import SalienceTestSupport
import Testing

/// The shared real-data samples (../shared/data beside the repository, or
/// $SALIENCE_SHARED_DATA). They are not part of the repository; tests that
/// need them are disabled, visibly, where they are absent.
enum SharedData {
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["SALIENCE_SHARED_DATA"] {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    static var available: Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("README.md").path)
    }

    static func file(_ path: String) -> URL { directory.appendingPathComponent(path) }
}

struct ImportCase: Sendable, CustomTestStringConvertible {
    let path: String
    let format: DatasetFormat
    let counts: [BehaviorType: Int]
    var testDescription: String { path }
}

@Suite(.ownThreads) struct DatasetImporterTests {
    /// Counts per event type from ../shared/data/README.md.
    static let cases: [ImportCase] = [
        .init(path: "taobao_userbehavior/UserBehavior_time-sorted_part1.csv", format: .taobao,
              counts: [.view: 49_252, .cart: 3_002, .fav: 1_712, .purchase: 1_184]),
        .init(path: "taobao_userbehavior/UserBehavior_time-sorted_part2.csv", format: .taobao,
              counts: [.view: 49_109, .cart: 3_061, .fav: 1_671, .purchase: 1_309]),
        .init(path: "taobao_userbehavior/UserBehavior_head_user-sorted.csv", format: .taobao,
              counts: [.view: 75_872, .cart: 4_497, .fav: 2_356, .purchase: 1_750]),
        .init(path: "taobao_userbehavior/UserBehavior_tail_user-sorted.csv", format: .taobao,
              counts: [.view: 9_046, .cart: 536, .fav: 212, .purchase: 206]),
        .init(path: "rees46_multicategory/2019-Oct_head.csv", format: .rees46,
              counts: [.view: 17_055, .cart: 165, .purchase: 214]),
        .init(path: "rees46_multicategory/2019-Nov_head.csv", format: .rees46,
              counts: [.view: 678, .cart: 3, .purchase: 2]),
        .init(path: "diginetica_cikm2016/train-item-views_head_sample.csv", format: .diginetica, counts: [.view: 12_391]),
        .init(path: "yoochoose_rsc15/yoochoose-clicks-100k_train_full.csv", format: .yoochoose, counts: [.click: 70_278]),
        .init(path: "yoochoose_rsc15/yoochoose-clicks-100k_test.csv", format: .yoochoose, counts: [.click: 13_568]),
        .init(path: "otto_recsys2022/train_fixture_20sessions.csv", format: .otto, counts: [.click: 800, .cart: 52, .purchase: 10]),
        .init(path: "tianchi_mobile_recommend_2014/tianchi_mobile_recommend_train_user_sample.csv", format: .tianchi,
              counts: [.click: 1_876, .fav: 18, .cart: 70, .purchase: 35]),
    ]

    @Test(.enabled(if: SharedData.available, "needs ../shared/data"), arguments: cases)
    func realSamplesImportCompletelyWithTheDocumentedCounts(_ item: ImportCase) throws {
        let text = try String(contentsOf: SharedData.file(item.path), encoding: .utf8)
        let importer = DatasetImporter(format: item.format)
        var counts: [BehaviorType: Int] = [:]
        var failures: [DatasetImporter.RowError] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            switch importer.row(line, number: index + 1) {
            case .event(let event): counts[event.type, default: 0] += 1
            case .header, .skipped: break
            case .failed(let error): failures.append(error)
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(counts == item.counts)
    }

    @Test func badRowsAreReportedWithLineAndReason() {
        let importer = DatasetImporter(format: .taobao)
        let rows = ["user_id,item_id,category_id,behavior_type,timestamp", "1,2,3,pv,1511658000", "1,2,3,teleport,1511658000",
                    "1,2,3", ",2,3,pv,1511658000", "1,2,3,buy,yesterday", ""]
        let results = rows.enumerated().map { importer.row(Substring($0.element), number: $0.offset + 1) }
        guard case .header = results[0], case .event(let event) = results[1] else {
            Issue.record("header and good row")
            return
        }
        #expect(event == BehaviorEvent(userID: "1", itemID: "2", type: .view, timestamp: 1_511_658_000_000, categoryID: "3"))
        let reasons = results.compactMap { result -> EventDecodingError.Reason? in
            if case .failed(let error) = result { return error.reason } else { return nil }
        }
        #expect(reasons == [.unknownEventType, .missingField, .missingField, .timestampOutOfRange])
        if case .failed(let error) = results[2] { #expect(error.line == 3) }
    }

    /// Line 1 holding another format's header is a header, not a bad row, and
    /// names its format (so `import --format` can say which one the file is).
    @Test func anotherFormatsHeaderIsRecognisedAndNamed() {
        let header: Substring = "user_id,item_id,category_id,behavior_type,timestamp"
        guard case .header = DatasetImporter(format: .rees46).row(header, number: 1) else {
            Issue.record("a taobao header under --format rees46 should be a header")
            return
        }
        #expect(DatasetFormat.formats(withHeader: header) == [.taobao])
        #expect(DatasetFormat.formats(withHeader: header + "\r") == [.taobao])
        if case .header = DatasetImporter(format: .taobao).row(header, number: 2) { Issue.record("only line 1 can be a header") }
    }

    @Test func rees46RowsCarryPriceSessionAndContext() {
        let line = "2019-10-01 00:00:00 UTC,view,3900821,2053013552326770905,appliances.environment.water_heater,aqua,33.20,554748717,9333dfbd"
        guard case .event(let event) = DatasetImporter(format: .rees46).row(Substring(line), number: 2) else {
            Issue.record("should import")
            return
        }
        #expect(event.timestamp == 1_569_888_000_000)
        #expect(event.price == 33.2)
        #expect(event.userID == "554748717")
        #expect(event.sessionID == "9333dfbd")
        #expect(event.context == [.init(key: "category_code", value: .string("appliances.environment.water_heater")),
                                  .init(key: "brand", value: .string("aqua"))])
    }
}
