//! What the machine lets this OS process use: its memory, after the cgroup's limits.
//!
//! The node's default budgets ([`crate::config::Budgets`]) derive from this, so a host
//! started inside a container or a `systemd-run -p MemoryMax=` scope refuses guest memory
//! before the kernel's OOM killer ends it.

use std::path::{Path, PathBuf};

/// The memory this OS process may use: the machine's (`MemTotal`), or the lowest memory
/// limit of its own cgroup and the cgroups above it (`memory.max` on cgroup v2,
/// `memory.limit_in_bytes` on v1) when lower; `None` when none of these can be read.
pub fn machine_memory() -> Option<usize> {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| parse_meminfo(&s));
    let cgroup = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|s| cgroup_limit(&s, Path::new("/sys/fs/cgroup")));
    let least = match (total, cgroup) {
        (Some(t), Some(c)) => Some(t.min(c)),
        (t, c) => t.or(c),
    }?;
    usize::try_from(least).ok()
}

/// `MemTotal` of a `/proc/meminfo`, in bytes.
fn parse_meminfo(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The lowest memory limit on the way from this process's cgroups (the lines of
/// `/proc/self/cgroup`) up to the root, read under `root` (where cgroupfs is mounted).
fn cgroup_limit(proc_cgroup: &str, root: &Path) -> Option<u64> {
    proc_cgroup
        .lines()
        .filter_map(|line| {
            let mut fields = line.splitn(3, ':');
            let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            if controllers.is_empty() {
                // cgroup v2: mounted at the root itself, or beside v1 as `unified`.
                [root.to_path_buf(), root.join("unified")]
                    .into_iter()
                    .find_map(|base| lowest(&base, path, "memory.max"))
            } else if controllers.split(',').any(|c| c == "memory") {
                lowest(&root.join("memory"), path, "memory.limit_in_bytes")
                    .or_else(|| lowest(&root.join(controllers), path, "memory.limit_in_bytes"))
            } else {
                None
            }
        })
        .min()
}

/// The lowest limit in `file` at `base/path` and each of its parents up to `base`.
fn lowest(base: &Path, path: &str, file: &str) -> Option<u64> {
    let mut dir: PathBuf = base.join(path.trim_start_matches('/'));
    let mut least = None;
    loop {
        if let Some(limit) = std::fs::read_to_string(dir.join(file))
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
        {
            least = Some(least.map_or(limit, |l: u64| l.min(limit)));
        }
        if dir == base || !dir.pop() || !dir.starts_with(base) {
            return least;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_gives_the_total_in_bytes() {
        let text = "MemTotal:       24576000 kB\nMemFree:         1000 kB\n";
        assert_eq!(parse_meminfo(text), Some(24_576_000 * 1024));
        assert_eq!(parse_meminfo("MemFree: 3 kB\n"), None);
        assert!(machine_memory().is_some_and(|m| m > 0));
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_lowest_limit_from_the_process_cgroup_up_counts() {
        let root = std::env::temp_dir().join(format!("hatchery-cgroup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        // v2: a 6 GiB scope under an unlimited slice; "max" is no limit.
        write(&root.join("v2/memory.max"), "max\n");
        write(&root.join("v2/app.slice/memory.max"), "max\n");
        write(
            &root.join("v2/app.slice/run-1.scope/memory.max"),
            "6442450944\n",
        );
        let limit = cgroup_limit("0::/app.slice/run-1.scope\n", &root.join("v2"));
        assert_eq!(limit, Some(6 << 30));
        // v1: the parent's limit is lower than the child's.
        write(
            &root.join("v1/memory/memory.limit_in_bytes"),
            "9223372036854771712\n",
        );
        write(
            &root.join("v1/memory/box/memory.limit_in_bytes"),
            "2147483648\n",
        );
        write(
            &root.join("v1/memory/box/inner/memory.limit_in_bytes"),
            "9223372036854771712\n",
        );
        let lines = "5:devices:/box/inner\n4:memory:/box/inner\n0::/\n";
        assert_eq!(cgroup_limit(lines, &root.join("v1")), Some(2 << 30));
        // Nothing to read: no limit known.
        assert_eq!(cgroup_limit("0::/gone\n", &root.join("none")), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
