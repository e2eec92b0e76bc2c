/// LLVM's `llvm.prefetch` intrinsic, bound by name: Swift exposes no
/// prefetch of its own, and binding the intrinsic keeps the core free of C
/// modules (the compiler emits the instruction inline, `prefetcht0` on
/// x86-64, in debug and release builds alike).
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ dataCache: Int32)

/// Asks the CPU to start loading the cache line at `address` for a later
/// write, without waiting for it: a hint, which never faults and may be
/// ignored (for a write, kept in every cache level, data cache).
@inline(__always)
func prefetchForWrite(_ address: UnsafeRawPointer) {
    llvmPrefetch(address, 1, 3, 1)
}
