import SalienceCore
import SalienceDatasets

/// Events read from a dataset file through ``DatasetImporter``, in file order.
enum DatasetFile {
    /// Up to `limit` events; bad rows are counted, not fatal.
    static func events(path: String, format: DatasetFormat, limit: Int = .max) throws -> (events: [BehaviorEvent], badRows: Int) {
        let importer = DatasetImporter(format: format)
        var events: [BehaviorEvent] = []
        var badRows = 0
        var reader = try LineReader(path: path)
        var number = 0
        while events.count < limit, let line = reader.next() {
            number += 1
            switch importer.row(line, number: number) {
            case .event(let event): events.append(event)
            case .failed: badRows += 1
            case .header, .skipped: break
            }
        }
        return (events, badRows)
    }
}
