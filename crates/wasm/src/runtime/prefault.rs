//! Faulting in, before an upgrade's pause, the memory the new instance will touch first.
//!
//! A new instance's linear memory is a fresh pool slot: nothing of it is mapped until the
//! guest touches it, and every first write is a page fault (a copy-on-write fault for
//! the pages of its data segments). The code-change callback is the new instance's first
//! real work, so it took those faults inside the pause: 4–7 of them, 30–45 µs of a
//! counter's 50–60 µs (BENCHMARKS.md, "The pause, still"). The pages it writes are, nearly
//! page for page, the ones the old instance has written (its stack, its heap, the
//! allocator's statics), so those are written in advance, off the pause, each by one
//! read-modify-write of a byte with itself (one write fault, no read fault before it).
//! Which pages the old instance wrote comes from `/proc/self/pagemap`; where that cannot
//! be read, nothing is prefaulted.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::OnceLock;

use wasmtime::Store;

use super::state::ProcessState;

/// The page size this assumes (x86-64 and most aarch64 Linux). On a larger one the
/// pages named are wrong, which only costs the prefault its use.
const PAGE: usize = 4096;

/// The most pages prefaulted: a process that wrote more memory pays the rest of its
/// faults in the pause, as before, rather than a long prefault.
const MOST_PAGES: usize = 1024;

/// Pages (by index in linear memory) an instance has written.
pub(super) struct Written(Vec<usize>);

fn pagemap() -> Option<&'static File> {
    static PAGEMAP: OnceLock<Option<File>> = OnceLock::new();
    PAGEMAP
        .get_or_init(|| File::open("/proc/self/pagemap").ok())
        .as_ref()
}

/// The pages of `store`'s linear memory it has written (empty when unknown).
pub(super) fn written(store: &Store<ProcessState>) -> Written {
    let mut pages = Vec::new();
    let (Some(memory), Some(map)) = (store.data().memory, pagemap()) else {
        return Written(pages);
    };
    let base = memory.data_ptr(store) as usize;
    let count = memory.data_size(store) / PAGE;
    if !base.is_multiple_of(PAGE) || count == 0 {
        return Written(pages);
    }
    // One 8-byte entry per page; bit 63: present; bit 61: a file page, here the module's
    // memory image still shared, which the old instance only read. Only the pages it
    // wrote (present and private) are taken: a page the new instance only reads costs
    // one fault for up to 16 pages in the pause (the kernel maps a file's neighbouring
    // pages with it), and writing it in advance would give the process a copy.
    let mut entries = vec![0u8; count * 8];
    if map
        .read_exact_at(&mut entries, (base / PAGE * 8) as u64)
        .is_err()
    {
        return Written(pages);
    }
    for (i, entry) in entries.chunks_exact(8).enumerate() {
        let entry = u64::from_le_bytes(entry.try_into().unwrap_or_default());
        if entry >> 63 == 1 && entry >> 61 & 1 == 0 {
            pages.push(i);
            if pages.len() == MOST_PAGES {
                break;
            }
        }
    }
    Written(pages)
}

/// Writes each page of `pages` in `store`'s memory (its first byte, xor 0, which the
/// compiler emits as one read-modify-write): its content stays, and it is mapped and
/// private before the guest runs.
pub(super) fn touch(store: &mut Store<ProcessState>, pages: &Written) {
    let Some(memory) = store.data().memory else {
        return;
    };
    let data = memory.data_mut(store);
    for &page in &pages.0 {
        if let Some(byte) = data.get_mut(page * PAGE) {
            *byte ^= std::hint::black_box(0);
        }
    }
}
