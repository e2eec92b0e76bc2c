import Foundation

/// Small SVG charts for `salience evaluate --report`: lines over a numeric
/// x axis, and box plots on a log scale. Plain SVG 1.1, no scripts.
enum SVGChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        /// Each point's interval, drawn as an error bar (a band for a reference line); empty for none.
        var intervals: [ConfidenceInterval?] = []
        /// Drawn as a horizontal reference line when it has one point.
        var isReference: Bool { points.count == 1 }
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    static let width = 640.0, height = 400.0
    static let left = 70.0, right = 190.0, top = 40.0, bottom = 50.0

    /// Lines of `series` against x, with axis labels and a legend.
    static func lines(title: String, xLabel: String, yLabel: String, series: [Series]) -> String {
        let xs = series.flatMap { $0.isReference ? [] : $0.points.map(\.x) }
        var ys: [Double] = []
        for line in series {
            ys += line.points.map(\.y)
            for interval in line.intervals.compactMap({ $0 }) { ys += [interval.lower, interval.upper] }
        }
        guard let xMin = xs.min(), let xMax = xs.max(), var yMin = ys.min(), var yMax = ys.max() else { return empty(title) }
        let pad = max((yMax - yMin) * 0.1, 1e-4)
        yMin -= pad
        yMax += pad
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (xMax > xMin ? (x - xMin) / (xMax - xMin) : 0.5) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight }
        var svg = header(title) + axes(xLabel: xLabel, yLabel: yLabel)
        for tick in 0...4 {
            let y = yMin + (yMax - yMin) * Double(tick) / 4
            svg += text(left - 8, py(y) + 4, format(y), anchor: "end")
            svg += "<line x1=\"\(left)\" y1=\"\(py(y))\" x2=\"\(width - right)\" y2=\"\(py(y))\" stroke=\"#eee\"/>\n"
        }
        for x in Array(Set(xs)).sorted() { svg += text(px(x), height - bottom + 18, format(x), anchor: "middle") }
        for (index, line) in series.enumerated() {
            let color = palette[index % palette.count]
            if line.isReference {
                let y = py(line.points[0].y)
                if let interval = line.intervals.first ?? nil {
                    svg += "<rect x=\"\(left)\" y=\"\(py(interval.upper))\" width=\"\(plotWidth)\" height=\"\(py(interval.lower) - py(interval.upper))\" fill=\"\(color)\" fill-opacity=\"0.08\"/>\n"
                }
                svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - right)\" y2=\"\(y)\" stroke=\"\(color)\" stroke-dasharray=\"6 4\"/>\n"
            } else {
                // Series side by side at each x, so their error bars do not overlap.
                let shift = (Double(index) - 1) * 5
                let path = line.points.map { "\(px($0.x) + shift),\(py($0.y))" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
                for (offset, point) in line.points.enumerated() {
                    let x = px(point.x) + shift
                    if offset < line.intervals.count, let interval = line.intervals[offset] {
                        svg += "<line x1=\"\(x)\" y1=\"\(py(interval.lower))\" x2=\"\(x)\" y2=\"\(py(interval.upper))\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
                    }
                    svg += "<circle cx=\"\(x)\" cy=\"\(py(point.y))\" r=\"3.5\" fill=\"\(color)\"/>\n"
                }
            }
            let legendY = top + 18 * Double(index)
            svg += "<rect x=\"\(width - right + 12)\" y=\"\(legendY - 9)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>\n"
            svg += text(width - right + 30, legendY + 1, line.name, anchor: "start")
        }
        return svg + "</svg>\n"
    }

    /// One box (p5, p25, median, p75, p95) per group, on a log-10 y axis.
    static func boxes(title: String, yLabel: String, groups: [(name: String, values: [Double])]) -> String {
        let groups = groups.filter { !$0.values.isEmpty }
        let all = groups.flatMap(\.values).filter { $0 > 0 }
        guard let low = all.min(), let high = all.max() else { return empty(title) }
        let yMin = floor(log10(low)), yMax = max(ceil(log10(high)), yMin + 1)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func py(_ value: Double) -> Double { top + (1 - (log10(max(value, pow(10, yMin))) - yMin) / (yMax - yMin)) * plotHeight }
        var svg = header(title) + axes(xLabel: "", yLabel: yLabel)
        for exponent in Int(yMin)...Int(yMax) {
            let value = pow(10, Double(exponent))
            svg += text(left - 8, py(value) + 4, format(value), anchor: "end")
            svg += "<line x1=\"\(left)\" y1=\"\(py(value))\" x2=\"\(width - right)\" y2=\"\(py(value))\" stroke=\"#eee\"/>\n"
        }
        let slot = plotWidth / Double(max(groups.count, 1))
        for (index, group) in groups.enumerated() {
            let sorted = group.values.sorted()
            func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1)))] }
            let center = left + slot * (Double(index) + 0.5), half = min(slot * 0.3, 30)
            let color = palette[index % palette.count]
            svg += "<line x1=\"\(center)\" y1=\"\(py(quantile(0.05)))\" x2=\"\(center)\" y2=\"\(py(quantile(0.95)))\" stroke=\"\(color)\"/>\n"
            svg += "<rect x=\"\(center - half)\" y=\"\(py(quantile(0.75)))\" width=\"\(2 * half)\" height=\"\(max(1, py(quantile(0.25)) - py(quantile(0.75))))\" fill=\"\(color)\" fill-opacity=\"0.35\" stroke=\"\(color)\"/>\n"
            svg += "<line x1=\"\(center - half)\" y1=\"\(py(quantile(0.5)))\" x2=\"\(center + half)\" y2=\"\(py(quantile(0.5)))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            svg += text(center, height - bottom + 18, "\(group.name) (\(group.values.count))", anchor: "middle")
        }
        svg += text(width - right + 12, top, "box: p25–p75, line: median", anchor: "start")
        svg += text(width - right + 12, top + 16, "whiskers: p5–p95", anchor: "start")
        return svg + "</svg>\n"
    }

    private static func header(_ title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        \(text(width / 2, 22, title, anchor: "middle", size: 15))
        """
    }

    private static func axes(xLabel: String, yLabel: String) -> String {
        "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"black\"/>\n"
            + "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"black\"/>\n"
            + text((left + width - right) / 2, height - 10, xLabel, anchor: "middle")
            + "<text x=\"16\" y=\"\((top + height - bottom) / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 16 \((top + height - bottom) / 2))\">\(escape(yLabel))</text>\n"
    }

    private static func empty(_ title: String) -> String {
        header(title) + text(width / 2, height / 2, "no data", anchor: "middle") + "</svg>\n"
    }

    private static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, size: Int = 12) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(escape(content))</text>\n"
    }

    static func format(_ value: Double) -> String {
        if value != 0, abs(value) < 0.01 || abs(value) >= 10000 { return String(format: "%.1e", value) }
        return String(format: abs(value) < 1 ? "%.3g" : "%.4g", value)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
