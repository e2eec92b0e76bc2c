/// A dataset layout `salience import` and `salience evaluate` read.
public enum DatasetFormat: String, CaseIterable, Sendable {
    /// Alibaba Taobao UserBehavior: `user_id,item_id,category_id,behavior_type,timestamp` (Unix seconds; pv/buy/cart/fav).
    case taobao
    /// RetailRocket: `timestamp,visitorid,event,itemid,transactionid` (Unix ms; view/addtocart/transaction).
    case retailrocket
    /// REES46: `event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session`.
    case rees46
    /// OTTO: `session,aid,ts,type` (Unix ms; clicks/carts/orders). The session is the user.
    case otto
    /// YOOCHOOSE clicks: `SessionId,ItemId,Time` (Unix seconds with fraction). All clicks.
    case yoochoose
    /// Tianchi mobile: `user_id,item_id,behavior_type,user_geohash,item_category,time`
    /// (1 click, 2 fav, 3 cart, 4 buy; `YYYY-MM-DD HH` China time, UTC+8).
    case tianchi
    /// DIGINETICA item views: `session_id,user_id,item_id,timeframe,eventdate`
    /// (time = the day, UTC, plus `timeframe` ms). The session is the user.
    case diginetica
    /// Canonical JSON events, one per line (Schemas/behavior-event.schema.json).
    case jsonl

    /// The header line the format's files start with, if any.
    public var header: String? {
        switch self {
        case .taobao: "user_id,item_id,category_id,behavior_type,timestamp"
        case .retailrocket: "timestamp,visitorid,event,itemid,transactionid"
        case .rees46: "event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session"
        case .otto: "session,aid,ts,type"
        case .yoochoose: "SessionId,ItemId,Time"
        case .tianchi: "user_id,item_id,behavior_type,user_geohash,item_category,time"
        case .diginetica: "session_id,user_id,item_id,timeframe,eventdate"
        case .jsonl: nil
        }
    }

    /// The formats whose header line is `line` (a file given with the wrong `--format` names its own).
    public static func formats(withHeader line: Substring) -> [DatasetFormat] {
        let line = line.hasSuffix("\r") ? line.dropLast() : line
        return allCases.filter { $0.header.map { $0 == line } ?? false }
    }

    /// Columns a row must have.
    var columns: Int {
        switch self {
        case .taobao, .retailrocket, .diginetica: 5
        case .rees46: 9
        case .otto: 4
        case .yoochoose: 3
        case .tianchi: 6
        case .jsonl: 0
        }
    }
}
