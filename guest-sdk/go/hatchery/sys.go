package hatchery

import "unsafe"

// The ABI's constants (ABI.md §2–5) and the helpers that turn Go slices and strings into
// the (pointer, length) pairs the imports take.

// Flags of spawn and demonitor.
const (
	spawnLink      = 1
	spawnMonitor   = 2
	demonitorFlush = 1
)

// bytesPtr is the address of b's first byte (nil for an empty slice, which the host
// accepts with length 0).
func bytesPtr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

// stringPtr is the address of s's first byte.
func stringPtr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

// n32 is a length as the ABI's i32. Linear memory is far smaller than 2 GiB under a
// Hatchery node's memory cap, so a real length always fits.
func n32(n int) int32 { return int32(n) }
