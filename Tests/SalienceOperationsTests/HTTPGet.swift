import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain GET against the operations endpoint: status and body.
func httpGet(port: Int, path: String) async throws -> (status: Int, body: String) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.timeoutInterval = 10
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}

/// The value of one series in Prometheus text format, e.g.
/// `salience_events_total{type="view"}`; `nil` when absent.
func metricValue(_ exposition: String, _ series: String) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1).split(separator: " ").first ?? "")
    }
    return nil
}

/// The sum over every series of a metric whose labels contain `matching`.
func metricSum(_ exposition: String, _ name: String, matching: String = "") -> Double {
    exposition.split(separator: "\n")
        .filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
        .filter { matching.isEmpty || $0.contains(matching) }
        .compactMap { Double($0.split(separator: " ").last ?? "") }
        .reduce(0, +)
}
