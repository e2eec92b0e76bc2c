// Compiler intrinsics Swift does not expose, for SalienceCore's hot path.
// Header-only: nothing to link, no I/O.
#ifndef SALIENCE_INTRINSICS_H
#define SALIENCE_INTRINSICS_H

/// Asks the CPU to start loading the cache line at `address` for a later
/// write, without waiting for it (a hint: it never faults, it may be ignored).
static inline void salience_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
