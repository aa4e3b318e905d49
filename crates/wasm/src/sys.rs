//! What the host needs to know about the operating system.

/// Memory mappings a live process may need (linear memory and its guard, fiber stack and
/// its guard, tables), used to check `vm.max_map_count`.
pub const MAPPINGS_PER_PROCESS: u64 = 5;

/// The value that lifts the mapping limit far enough for millions of processes.
pub const RECOMMENDED_MAX_MAP_COUNT: u64 = 16_777_216;

/// Linux's `vm.max_map_count`, if readable.
pub fn max_map_count() -> Option<u64> {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The most processes the current `vm.max_map_count` allows (None: no limit known).
pub fn processes_allowed_by_map_count() -> Option<u32> {
    let limit = max_map_count()?;
    Some(u32::try_from(limit.saturating_sub(1024) / MAPPINGS_PER_PROCESS).unwrap_or(u32::MAX))
}

/// A warning, with the exact fix, when `vm.max_map_count` is too low for `max_processes`.
pub fn map_count_warning(max_processes: u32) -> Option<String> {
    let limit = max_map_count()?;
    let needed = u64::from(max_processes) * MAPPINGS_PER_PROCESS + 1024;
    (limit < needed).then(|| {
        format!(
            "vm.max_map_count is {limit}, but {max_processes} processes need about {needed} memory mappings; \
             processes beyond about {} will fail to start with \"Cannot allocate memory\". \
             Raise the limit (as root): sysctl -w vm.max_map_count={RECOMMENDED_MAX_MAP_COUNT}",
            limit.saturating_sub(1024) / MAPPINGS_PER_PROCESS
        )
    })
}

/// The hint to add to an instantiation error caused by the mapping limit.
pub(crate) fn map_count_hint(e: &wasmtime::Error) -> String {
    let text = format!("{e:#}");
    if text.contains("Cannot allocate memory") || text.contains("os error 12") {
        let limit = max_map_count()
            .map(|l| l.to_string())
            .unwrap_or_else(|| "unknown".into());
        format!(
            " (vm.max_map_count is {limit}; if it is low, raise it as root: sysctl -w vm.max_map_count={RECOMMENDED_MAX_MAP_COUNT})"
        )
    } else {
        String::new()
    }
}

/// This host process's resident memory in bytes (Linux), for benchmarks and the inspector.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
