//! What `hatchery top` shows: the table, the summary line, and the JSON of a refresh.

use super::*;

/// What is on screen and how to draw it.
pub(super) struct View {
    pub(super) sort: SortKey,
    pub(super) history: History,
    pub(super) interactive: bool,
    pub(super) json: bool,
    pub(super) cluster: bool,
    /// The last refresh, all candidate rows, unsorted.
    pub(super) last: Option<Frame>,
}

/// Lines above the rows: the summary, the keys, a blank line and the column titles (and
/// one under the rows, so that the screen does not scroll).
const CHROME_LINES: usize = 5;

impl View {
    pub(super) fn rows(&self, asked: Option<usize>) -> usize {
        if let Some(n) = asked {
            return n.max(1);
        }
        if !self.interactive {
            return 20;
        }
        let down = self
            .last
            .as_ref()
            .map_or(0, |f| f.nodes.iter().filter(|n| n.error.is_some()).count());
        terminal_size().0.saturating_sub(CHROME_LINES + down).max(1)
    }

    /// Draws the last refresh; `false` when stdout is gone (a closed pipe: time to stop).
    pub(super) fn draw(
        &self,
        out: &mut impl std::io::Write,
        asked: Option<usize>,
    ) -> anyhow::Result<bool> {
        let Some(last) = &self.last else {
            return Ok(true);
        };
        let mut frame = last.clone();
        frame.sort = self.sort.name();
        sort_rows(&mut frame.rows, self.sort);
        frame.rows.truncate(self.rows(asked));
        let text = if self.json {
            let mut line = serde_json::to_string(&frame)?;
            line.push('\n');
            line
        } else if self.interactive {
            let (height, width) = terminal_size();
            let mut s = String::from("\x1b[H");
            for l in self
                .table(&frame, Some(width))
                .iter()
                .take(height.saturating_sub(1))
            {
                s.push_str(&cut(l, width));
                s.push_str("\x1b[K\n");
            }
            s.push_str("\x1b[J");
            s
        } else {
            let mut s = self.table(&frame, None).join("\n");
            s.push_str("\n\n");
            s
        };
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(e).context("writing to stdout"),
        }
    }

    fn table(&self, f: &Frame, width: Option<usize>) -> Vec<String> {
        let up: Vec<&NodeLine> = f.nodes.iter().filter(|n| n.error.is_none()).collect();
        let names: Vec<&str> = up.iter().filter_map(|n| n.node.as_deref()).collect();
        let who = match names.as_slice() {
            [] => "no node answers".to_string(),
            [one] => format!("node {one}"),
            many => format!("{} nodes ({})", many.len(), many.join(", ")),
        };
        let uptime = up.iter().filter_map(|n| n.uptime_ms).max().unwrap_or(0);
        let mut lines = vec![format!(
            "{who}  up {}  {} processes  {} msg/s  RSS {}  sort: {}",
            show_uptime(uptime),
            f.processes,
            f.msg_per_sec.map_or("-".into(), show_rate),
            show_bytes(f.memory_rss_bytes),
            f.sort
        )];
        if self.interactive {
            lines.push("keys: c cpu  m memory  b mailbox  r msg rate  q quit".into());
        }
        for n in f.nodes.iter().filter(|n| n.error.is_some()) {
            lines.push(format!(
                "node {}: unreachable ({})",
                n.url,
                n.error.as_deref().unwrap_or("")
            ));
        }
        lines.push(String::new());
        // Pids are shown whole (they are copied into other commands); the module and the
        // name columns share what the terminal has left.
        let len = |s: &str| s.chars().count();
        let pid_w = f.rows.iter().map(|r| len(&r.pid)).max().unwrap_or(0).max(3);
        let node_w = if self.cluster {
            f.rows
                .iter()
                .map(|r| len(&r.node))
                .max()
                .unwrap_or(0)
                .clamp(4, 16)
                + 1
        } else {
            0
        };
        // The numbers, the status and the spaces between the columns.
        const FIXED: usize = 6 + 9 + 8 + 7 + 8 + 11 + 8;
        let (module_w, name_w) = match width {
            Some(w) => {
                let left = w.saturating_sub(FIXED + pid_w + node_w);
                let m = (left * 3 / 5).clamp(10, 40);
                (m, left.saturating_sub(m).clamp(6, 24))
            }
            None => (28, 20),
        };
        let node_col = |s: &str| {
            if self.cluster {
                format!("{:<w$} ", fit(s, node_w - 1), w = node_w - 1)
            } else {
                String::new()
            }
        };
        lines.push(format!(
            "{}{:<pid_w$} {:<module_w$} {:<name_w$} {:>6} {:>9} {:>8} {:>7} {:>8} {}",
            node_col("NODE"),
            "PID",
            "MODULE@VERSION",
            "NAME",
            "CPU%",
            "CPU(ms)",
            "MEMORY",
            "MAILBOX",
            "MSG/S",
            "STATUS"
        ));
        for r in &f.rows {
            let module = if r.version > 0 {
                format!("{}@{}", r.module, r.version)
            } else {
                r.module.clone()
            };
            lines.push(format!(
                "{}{:<pid_w$} {:<module_w$} {:<name_w$} {:>6} {:>9} {:>8} {:>7} {:>8} {}",
                node_col(&r.node),
                r.pid,
                fit(&module, module_w),
                fit(r.name.as_deref().unwrap_or("-"), name_w),
                r.cpu_percent.map_or("-".into(), |c| format!("{c:.1}")),
                r.cpu_us.map_or("-".into(), |us| (us / 1000).to_string()),
                show_bytes(r.memory_bytes),
                r.mailbox_len,
                r.msg_per_sec.map_or("-".into(), show_rate),
                r.status
            ));
        }
        lines
    }
}

/// `s` in at most `width` characters, cut with `…`.
pub(super) fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// A line cut at the terminal's width.
pub(super) fn cut(s: &str, width: usize) -> String {
    s.chars().take(width).collect()
}

pub(super) fn show_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["K", "M", "G", "T"];
    if b < 1024 {
        return format!("{b}B");
    }
    let mut v = b as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1}{}", UNITS[unit])
}

pub(super) fn show_rate(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

pub(super) fn show_uptime(ms: u64) -> String {
    let s = ms / 1000;
    let (d, h, m, s) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("{d}d {h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}
