#if canImport(Glibc)
import Glibc
#endif

extension Array where Element: BitwiseCopyable {
    /// An array of `count` elements made by `element`, for the estimator's
    /// big randomly-accessed tables (model coordinates, sketch cells, log-Q
    /// buckets). Before the memory is first written the kernel is asked to
    /// back its 2 MiB-aligned part with huge pages (Linux `MADV_HUGEPAGE`;
    /// this machine's transparent huge pages are `madvise`-only): a random
    /// probe then seldom misses the TLB as well as the cache. Contents are
    /// exactly what `(0..<count).map(element)` would give.
    static func largeTable(count: Int, _ element: (Int) throws -> Element) rethrows -> [Element] {
        try [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            for index in 0..<count {
                (buffer.baseAddress! + index).initialize(to: try element(index))
                initialized = index + 1
            }
        }
    }

    /// `count` copies of `value`, as ``largeTable(count:_:)``.
    static func largeTable(repeating value: Element, count: Int) -> [Element] {
        largeTable(count: count) { _ in value }
    }
}

/// Asks the kernel to back the 2 MiB-aligned part of `memory` with huge pages.
private func adviseHugePages(_ memory: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
    let hugePage = 2 << 20
    guard let base = memory.baseAddress else { return }
    let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
    let end = (Int(bitPattern: base) + memory.count) & ~(hugePage - 1)
    guard end > start else { return }
    // A hint: where the kernel declines, the table works as before.
    _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE)
    #endif
}
