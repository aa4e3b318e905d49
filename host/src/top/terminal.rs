//! The terminal while `top` draws on it, its keys and its signals.

use super::*;

/// The terminal while `top` draws on it: the alternate screen, no cursor, and cbreak mode
/// (keys one by one, no echo, Ctrl-C as the byte 3). Dropping it puts all of that back.
pub(super) struct Screen {
    /// The mode to restore (`stty -g`), when it could be read and changed.
    pub(super) saved: Option<String>,
    pub(super) cbreak: bool,
}

impl Screen {
    pub(super) fn enter() -> Screen {
        let saved = stty(&["-g"]).filter(|s| !s.is_empty());
        let cbreak = saved.is_some()
            && stty(&["-icanon", "-echo", "-isig", "min", "1", "time", "0"]).is_some();
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
        let _ = out.flush();
        Screen { saved, cbreak }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let mut out = std::io::stdout();
        let _ = out.write_all(b"\x1b[?25h\x1b[?1049l");
        let _ = out.flush();
        if let Some(s) = &self.saved {
            let _ = stty(&[s.as_str()]);
        }
    }
}

/// Runs `stty` on the terminal that is stdin; its output, or `None` when it failed.
pub(super) fn stty(args: &[&str]) -> Option<String> {
    let out = Command::new("stty")
        .args(args)
        .stdin(Stdio::inherit())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The terminal's rows and columns (24×80 when it does not say).
pub(super) fn terminal_size() -> (usize, usize) {
    stty(&["size"])
        .and_then(|s| {
            let (r, c) = s.split_once(' ')?;
            Some((r.parse().ok()?, c.parse().ok()?))
        })
        .filter(|&(r, c)| r > 0 && c > 0)
        .unwrap_or((24, 80))
}

/// Reads keys (in cbreak mode: bytes; else lines) into events, on a thread of its own.
pub(super) fn read_input(tx: mpsc::Sender<Event>, cbreak: bool) {
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        if cbreak {
            let mut buf = [0u8; 64];
            loop {
                let n = match stdin.lock().read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                // An escape sequence (arrow keys and the like) is not a command.
                if buf[0] == 0x1b {
                    continue;
                }
                for &b in &buf[..n] {
                    let event = match b {
                        b'q' | b'Q' | 3 | 4 => Event::Quit,
                        k => match SortKey::from_key(k) {
                            Some(key) => Event::Sort(key),
                            None => continue,
                        },
                    };
                    if tx.send(event).is_err() {
                        return;
                    }
                }
            }
        } else {
            for line in stdin.lock().lines() {
                let Ok(line) = line else { break };
                let event = match line.trim() {
                    "q" | "quit" => Event::Quit,
                    k if k.len() == 1 => match SortKey::from_key(k.as_bytes()[0]) {
                        Some(key) => Event::Sort(key),
                        None => continue,
                    },
                    _ => continue,
                };
                if tx.send(event).is_err() {
                    return;
                }
            }
        }
        let _ = tx.send(Event::Eof);
    });
}

/// Turns SIGTERM, SIGHUP and SIGINT into a quit (so the terminal is put back) and a
/// resize into a redraw.
pub(super) fn watch_signals(tx: mpsc::Sender<Event>) {
    std::thread::spawn(move || {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let (Ok(mut term), Ok(mut hup), Ok(mut int), Ok(mut winch)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
                signal(SignalKind::interrupt()),
                signal(SignalKind::window_change()),
            ) else {
                return;
            };
            loop {
                let event = tokio::select! {
                    _ = term.recv() => Event::Quit,
                    _ = hup.recv() => Event::Quit,
                    _ = int.recv() => Event::Quit,
                    _ = winch.recv() => Event::Redraw,
                };
                if tx.send(event).is_err() {
                    return;
                }
            }
        });
    });
}
