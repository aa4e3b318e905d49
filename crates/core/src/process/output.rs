//! What a process writes to stdout and stderr: the last lines, kept for the inspector and
//! the crash log, under a rate per process
//! ([`crate::config::Budgets::output_lines_per_sec`]): past it, output is dropped and
//! counted, and the next line that gets through says how much was lost.

use std::time::Instant;

/// Which output stream a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// One line a process wrote.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OutputLine {
    /// Which stream.
    pub stream: Stream,
    /// The text, without the newline.
    pub text: String,
}

/// The last lines of a process's output (bounded).
#[derive(Default)]
pub(crate) struct OutputTail {
    pub lines: std::collections::VecDeque<OutputLine>,
    /// A line still being written, per stream.
    pub partial: [Vec<u8>; 2],
    rate: Rate,
}

/// The output rate per process: a token bucket each for lines and bytes, holding up to one
/// second's worth.
#[derive(Clone, Copy, Debug)]
pub struct OutputRate {
    /// Lines per second.
    pub lines: u32,
    /// Bytes per second.
    pub bytes: u32,
}

#[derive(Default)]
struct Rate {
    lines: f64,
    bytes: f64,
    /// When the buckets were last filled; `None` before the first write (full buckets).
    filled: Option<Instant>,
    /// Bytes dropped and not yet reported.
    unreported: u64,
    /// When the last report of dropped output was written.
    reported: Option<Instant>,
}

impl Rate {
    fn refill(&mut self, limit: OutputRate) {
        let now = Instant::now();
        let secs = self
            .filled
            .map_or(1.0, |t| now.duration_since(t).as_secs_f64().min(1.0));
        self.filled = Some(now);
        self.lines = (self.lines + secs * f64::from(limit.lines)).min(f64::from(limit.lines));
        self.bytes = (self.bytes + secs * f64::from(limit.bytes)).min(f64::from(limit.bytes));
    }
}

/// What one write did: the lines that got through, and the bytes dropped.
#[derive(Default)]
pub(crate) struct Written {
    pub lines: Vec<OutputLine>,
    pub dropped: u64,
}

impl OutputTail {
    pub const MAX_LINES: usize = 200;
    const MAX_LINE: usize = 64 << 10;

    /// Ends the unfinished lines (a process that exits without a final newline).
    pub fn flush(&mut self) -> Vec<OutputLine> {
        let mut done = Vec::new();
        for stream in [Stream::Stdout, Stream::Stderr] {
            let buf = std::mem::take(&mut self.partial[stream as usize]);
            if !buf.is_empty() {
                done.push(OutputLine {
                    stream,
                    text: String::from_utf8_lossy(&buf).into_owned(),
                });
            }
        }
        for l in &done {
            if self.lines.len() == Self::MAX_LINES {
                self.lines.pop_front();
            }
            self.lines.push_back(l.clone());
        }
        done
    }

    /// Adds bytes under the rate; returns the lines they completed, and what was dropped.
    pub fn write(&mut self, stream: Stream, bytes: &[u8], limit: OutputRate) -> Written {
        self.rate.refill(limit);
        if bytes.len() as f64 > self.rate.bytes {
            self.rate.unreported += bytes.len() as u64;
            return Written {
                lines: Vec::new(),
                dropped: bytes.len() as u64,
            };
        }
        self.rate.bytes -= bytes.len() as f64;
        let mut written = Written::default();
        for line in self.split(stream, bytes) {
            if self.rate.lines < 1.0 {
                let lost = line.text.len() as u64 + 1;
                self.rate.unreported += lost;
                written.dropped += lost;
                continue;
            }
            self.rate.lines -= 1.0;
            let due = self
                .rate
                .reported
                .is_none_or(|t| t.elapsed().as_secs() >= 1);
            if self.rate.unreported > 0 && due {
                self.rate.reported = Some(Instant::now());
                let note = OutputLine {
                    stream,
                    text: format!(
                        "[hatchery: {} bytes of output dropped, over {} lines or {} bytes a second]",
                        std::mem::take(&mut self.rate.unreported),
                        limit.lines,
                        limit.bytes
                    ),
                };
                self.keep(&note);
                written.lines.push(note);
            }
            self.keep(&line);
            written.lines.push(line);
        }
        written
    }

    fn keep(&mut self, line: &OutputLine) {
        if self.lines.len() == Self::MAX_LINES {
            self.lines.pop_front();
        }
        self.lines.push_back(line.clone());
    }

    /// Adds bytes to the partial line of `stream`; returns the lines they completed.
    fn split(&mut self, stream: Stream, bytes: &[u8]) -> Vec<OutputLine> {
        let mut done = Vec::new();
        let buf = &mut self.partial[stream as usize];
        for &b in bytes {
            if b == b'\n' || buf.len() >= Self::MAX_LINE {
                let text = String::from_utf8_lossy(buf).into_owned();
                buf.clear();
                done.push(OutputLine { stream, text });
                if b == b'\n' {
                    continue;
                }
            }
            buf.push(b);
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: OutputRate = OutputRate {
        lines: 3,
        bytes: 100,
    };

    #[test]
    fn lines_past_the_rate_are_dropped_counted_and_reported() {
        let mut tail = OutputTail::default();
        let w = tail.write(Stream::Stdout, b"a\nb\nc\nd\ne\n", RATE);
        assert_eq!(w.lines.len(), 3);
        assert_eq!(w.dropped, 4);
        // A burst of bytes larger than the bucket is dropped whole.
        let w = tail.write(Stream::Stdout, &[b'x'; 101], RATE);
        assert_eq!((w.lines.len(), w.dropped), (0, 101));
        std::thread::sleep(std::time::Duration::from_millis(400));
        let w = tail.write(Stream::Stdout, b"f\n", RATE);
        let texts: Vec<_> = w.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts[0].contains("105 bytes of output dropped"),
            "{texts:?}"
        );
        assert_eq!(texts[1], "f");
        assert_eq!(tail.lines.len(), 5);
    }
}
