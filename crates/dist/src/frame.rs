//! The bytes of one frame between two nodes.
//!
//! A frame is a header, then the fields of its kind, then (for messages and reasons) the
//! rest of the payload:
//!
//! ```text
//! ver u8 = 1 | kind u8 | src slot u16 | epoch u32 | seq u64      (16 bytes, little-endian)
//! SEND      from u64, to u64, data
//! TRACED    from u64, to u64, trace id 16 bytes, depth u8, parent span u64 (0: none), data
//!           (a SEND of a followed message: `hatchery_core::trace::Carried`)
//! NAMED_TRACED  from u64, trace id, depth, parent (as TRACED), name length u8, name, data
//! NAMED     from u64, name length u8, name, data
//! LINK      from u64, to u64            UNLINK     from u64, to u64
//! EXIT      from u64, to u64, flags u8 (1 kill, 2 link), reason (ABI.md section 3)
//! MONITOR   watcher u64, target u64, ref u64      DEMONITOR   the same
//! DOWN      watcher u64, target u64, ref u64, reason
//! SPAWN     req u64, parent u64, flags u8 (1 link, 2 monitor), ref u64, module length u8,
//!           module, args
//! SPAWNED   req u64, parent u64, child u64 (0: refused)
//! QUERY     req u64, question                ANSWER     req u64, status u8, answer
//! HELLO     nothing: the first frame of a session (its seq is 1)
//! BYE       nothing: the sender is leaving the cluster
//! ```
//!
//! `epoch` and `seq` number the sender's session with the receiver (`crate::session`): NATS
//! drops messages silently, so a frame that is not the next one means the session broke.

use std::sync::Arc;

use hatchery_core::remote::Signal;
use hatchery_core::trace::{Carried, TraceId};
use hatchery_core::{ExitReason, Pid};

const VERSION: u8 = 1;
/// Bytes of the header.
pub const HEADER: usize = 16;

mod kind {
    pub const SEND: u8 = 1;
    pub const NAMED: u8 = 2;
    pub const LINK: u8 = 3;
    pub const UNLINK: u8 = 4;
    pub const EXIT: u8 = 5;
    pub const MONITOR: u8 = 6;
    pub const DEMONITOR: u8 = 7;
    pub const DOWN: u8 = 8;
    pub const HELLO: u8 = 9;
    pub const BYE: u8 = 10;
    pub const SPAWN: u8 = 11;
    pub const SPAWNED: u8 = 12;
    pub const QUERY: u8 = 13;
    pub const ANSWER: u8 = 14;
    pub const TRACED: u8 = 15;
    pub const NAMED_TRACED: u8 = 16;
}

/// What a frame carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A signal between processes.
    Signal(Signal),
    /// The first frame of a session.
    Hello,
    /// The sender leaves the cluster.
    Bye,
}

/// A decoded frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The sending node's slot.
    pub src: u16,
    /// The sender's session with the receiver.
    pub epoch: u32,
    /// The frame's place in that session, from 1.
    pub seq: u64,
    /// The contents.
    pub body: Body,
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadFrame(pub &'static str);

impl std::fmt::Display for BadFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad frame: {}", self.0)
    }
}

impl Frame {
    /// The frame's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + 32);
        out.push(VERSION);
        out.push(0);
        out.extend_from_slice(&self.src.to_le_bytes());
        out.extend_from_slice(&self.epoch.to_le_bytes());
        out.extend_from_slice(&self.seq.to_le_bytes());
        let pid = |out: &mut Vec<u8>, p: Pid| out.extend_from_slice(&p.as_u64().to_le_bytes());
        let k = match &self.body {
            Body::Hello => kind::HELLO,
            Body::Bye => kind::BYE,
            Body::Signal(s) => match s {
                Signal::Send {
                    from,
                    to,
                    data,
                    trace,
                } => {
                    pid(&mut out, *from);
                    pid(&mut out, *to);
                    if let Some(c) = trace {
                        carried(&mut out, c);
                    }
                    out.extend_from_slice(data);
                    if trace.is_some() {
                        kind::TRACED
                    } else {
                        kind::SEND
                    }
                }
                Signal::SendNamed {
                    from,
                    name,
                    data,
                    trace,
                } => {
                    pid(&mut out, *from);
                    if let Some(c) = trace {
                        carried(&mut out, c);
                    }
                    // Names are at most 255 bytes (the registry's rule).
                    let n = &name.as_bytes()[..name.len().min(255)];
                    out.push(n.len() as u8);
                    out.extend_from_slice(n);
                    out.extend_from_slice(data);
                    if trace.is_some() {
                        kind::NAMED_TRACED
                    } else {
                        kind::NAMED
                    }
                }
                Signal::Link { from, to } | Signal::Unlink { from, to } => {
                    pid(&mut out, *from);
                    pid(&mut out, *to);
                    if matches!(s, Signal::Link { .. }) {
                        kind::LINK
                    } else {
                        kind::UNLINK
                    }
                }
                Signal::Exit {
                    from,
                    to,
                    reason,
                    kill,
                    link,
                } => {
                    pid(&mut out, *from);
                    pid(&mut out, *to);
                    out.push(u8::from(*kill) | u8::from(*link) << 1);
                    reason.encode_into(&mut out);
                    kind::EXIT
                }
                Signal::Monitor { watcher, target, r }
                | Signal::Demonitor { watcher, target, r } => {
                    pid(&mut out, *watcher);
                    pid(&mut out, *target);
                    out.extend_from_slice(&r.to_le_bytes());
                    if matches!(s, Signal::Monitor { .. }) {
                        kind::MONITOR
                    } else {
                        kind::DEMONITOR
                    }
                }
                Signal::Down {
                    watcher,
                    target,
                    r,
                    reason,
                } => {
                    pid(&mut out, *watcher);
                    pid(&mut out, *target);
                    out.extend_from_slice(&r.to_le_bytes());
                    reason.encode_into(&mut out);
                    kind::DOWN
                }
                Signal::Spawn {
                    req,
                    parent,
                    module,
                    args,
                    link,
                    monitor,
                } => {
                    out.extend_from_slice(&req.to_le_bytes());
                    pid(&mut out, *parent);
                    out.push(u8::from(*link) | u8::from(monitor.is_some()) << 1);
                    out.extend_from_slice(&monitor.unwrap_or(0).to_le_bytes());
                    // Module names are at most 255 bytes (the registry's rule for names).
                    let m = &module.as_bytes()[..module.len().min(255)];
                    out.push(m.len() as u8);
                    out.extend_from_slice(m);
                    out.extend_from_slice(args);
                    kind::SPAWN
                }
                Signal::Spawned { req, parent, child } => {
                    out.extend_from_slice(&req.to_le_bytes());
                    pid(&mut out, *parent);
                    pid(&mut out, child.unwrap_or(Pid(0)));
                    kind::SPAWNED
                }
                Signal::Query { req, body } => {
                    out.extend_from_slice(&req.to_le_bytes());
                    out.extend_from_slice(body);
                    kind::QUERY
                }
                Signal::Answer { req, status, body } => {
                    out.extend_from_slice(&req.to_le_bytes());
                    out.push(*status);
                    out.extend_from_slice(body);
                    kind::ANSWER
                }
            },
        };
        out[1] = k;
        out
    }

    /// Reads a frame.
    ///
    /// # Errors
    ///
    /// When the bytes are too short, of another version or of an unknown kind.
    pub fn decode(b: &[u8]) -> Result<Frame, BadFrame> {
        if b.len() < HEADER {
            return Err(BadFrame("shorter than its header"));
        }
        if b[0] != VERSION {
            return Err(BadFrame("unknown version"));
        }
        let mut r = Reader(&b[4..]);
        let src = u16::from_le_bytes([b[2], b[3]]);
        let epoch = r.u32()?;
        let seq = r.u64()?;
        let body = match b[1] {
            kind::HELLO => Body::Hello,
            kind::BYE => Body::Bye,
            k => Body::Signal(signal(k, &mut r)?),
        };
        Ok(Frame {
            src,
            epoch,
            seq,
            body,
        })
    }
}

fn signal(k: u8, r: &mut Reader<'_>) -> Result<Signal, BadFrame> {
    let reason =
        |r: &mut Reader<'_>| ExitReason::decode(r.rest()).ok_or(BadFrame("not an exit reason"));
    Ok(match k {
        kind::SEND => Signal::Send {
            from: r.pid()?,
            to: r.pid()?,
            data: r.rest().into(),
            trace: None,
        },
        kind::TRACED => {
            let (from, to) = (r.pid()?, r.pid()?);
            Signal::Send {
                from,
                to,
                trace: Some(read_carried(r)?),
                data: r.rest().into(),
            }
        }
        kind::NAMED | kind::NAMED_TRACED => {
            let from = r.pid()?;
            let trace = if k == kind::NAMED_TRACED {
                Some(read_carried(r)?)
            } else {
                None
            };
            let n = usize::from(r.u8()?);
            let name = std::str::from_utf8(r.take(n)?).map_err(|_| BadFrame("name not UTF-8"))?;
            Signal::SendNamed {
                from,
                name: Arc::from(name),
                data: r.rest().into(),
                trace,
            }
        }
        kind::LINK => Signal::Link {
            from: r.pid()?,
            to: r.pid()?,
        },
        kind::UNLINK => Signal::Unlink {
            from: r.pid()?,
            to: r.pid()?,
        },
        kind::EXIT => {
            let (from, to, flags) = (r.pid()?, r.pid()?, r.u8()?);
            Signal::Exit {
                from,
                to,
                kill: flags & 1 != 0,
                link: flags & 2 != 0,
                reason: reason(r)?,
            }
        }
        kind::MONITOR | kind::DEMONITOR => {
            let (watcher, target, rf) = (r.pid()?, r.pid()?, r.u64()?);
            if k == kind::MONITOR {
                Signal::Monitor {
                    watcher,
                    target,
                    r: rf,
                }
            } else {
                Signal::Demonitor {
                    watcher,
                    target,
                    r: rf,
                }
            }
        }
        kind::DOWN => Signal::Down {
            watcher: r.pid()?,
            target: r.pid()?,
            r: r.u64()?,
            reason: reason(r)?,
        },
        kind::SPAWN => {
            let (req, parent, flags, rf) = (r.u64()?, r.pid()?, r.u8()?, r.u64()?);
            let n = usize::from(r.u8()?);
            let module =
                std::str::from_utf8(r.take(n)?).map_err(|_| BadFrame("module not UTF-8"))?;
            Signal::Spawn {
                req,
                parent,
                module: Arc::from(module),
                args: r.rest().into(),
                link: flags & 1 != 0,
                monitor: (flags & 2 != 0).then_some(rf),
            }
        }
        kind::SPAWNED => Signal::Spawned {
            req: r.u64()?,
            parent: r.pid()?,
            child: Some(r.pid()?).filter(|p| p.as_u64() != 0),
        },
        kind::QUERY => Signal::Query {
            req: r.u64()?,
            body: r.rest().into(),
        },
        kind::ANSWER => Signal::Answer {
            req: r.u64()?,
            status: r.u8()?,
            body: r.rest().into(),
        },
        _ => return Err(BadFrame("unknown kind")),
    })
}

/// A followed message's place in its trace: id 16 bytes, depth u8, parent u64 (0: none).
fn carried(out: &mut Vec<u8>, c: &Carried) {
    out.extend_from_slice(&c.trace.0);
    out.push(c.depth);
    out.extend_from_slice(&c.parent.unwrap_or(0).to_le_bytes());
}

fn read_carried(r: &mut Reader<'_>) -> Result<Carried, BadFrame> {
    let mut id = [0u8; 16];
    id.copy_from_slice(r.take(16)?);
    let (depth, parent) = (r.u8()?, r.u64()?);
    Ok(Carried {
        trace: TraceId(id),
        depth,
        parent: Some(parent).filter(|&p| p != 0),
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BadFrame> {
        if self.0.len() < n {
            return Err(BadFrame("cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, BadFrame> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, BadFrame> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, BadFrame> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    fn pid(&mut self) -> Result<Pid, BadFrame> {
        self.u64().map(Pid)
    }
    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Body> {
        let (a, b) = (Pid(3), Pid(1 << 52));
        vec![
            Body::Hello,
            Body::Bye,
            Body::Signal(Signal::Send {
                from: a,
                to: b,
                data: b"hello".to_vec().into(),
                trace: None,
            }),
            Body::Signal(Signal::Send {
                from: a,
                to: b,
                data: b"followed".to_vec().into(),
                trace: Some(Carried {
                    trace: TraceId([7; 16]),
                    depth: 3,
                    parent: Some(1 << 33 | 2),
                }),
            }),
            Body::Signal(Signal::Send {
                from: a,
                to: b,
                data: Box::default(),
                trace: Some(Carried {
                    trace: TraceId([0; 16]),
                    depth: 0,
                    parent: None,
                }),
            }),
            Body::Signal(Signal::SendNamed {
                from: a,
                name: Arc::from("messenger"),
                data: Box::default(),
                trace: None,
            }),
            Body::Signal(Signal::SendNamed {
                from: a,
                name: Arc::from("kv"),
                data: b"followed".to_vec().into(),
                trace: Some(Carried {
                    trace: TraceId([9; 16]),
                    depth: 1,
                    parent: Some(4),
                }),
            }),
            Body::Signal(Signal::Link { from: a, to: b }),
            Body::Signal(Signal::Unlink { from: b, to: a }),
            Body::Signal(Signal::Exit {
                from: a,
                to: b,
                reason: ExitReason::Trap("boom".into()),
                kill: false,
                link: true,
            }),
            Body::Signal(Signal::Exit {
                from: a,
                to: b,
                reason: ExitReason::Killed,
                kill: true,
                link: false,
            }),
            Body::Signal(Signal::Monitor {
                watcher: a,
                target: b,
                r: 99,
            }),
            Body::Signal(Signal::Demonitor {
                watcher: a,
                target: b,
                r: 99,
            }),
            Body::Signal(Signal::Down {
                watcher: a,
                target: b,
                r: 7,
                reason: ExitReason::NoConnection,
            }),
            Body::Signal(Signal::Spawn {
                req: 5,
                parent: a,
                module: Arc::from("kv"),
                args: b"{}".to_vec().into(),
                link: true,
                monitor: Some(9),
            }),
            Body::Signal(Signal::Spawn {
                req: 6,
                parent: a,
                module: Arc::from("noop"),
                args: Box::default(),
                link: false,
                monitor: None,
            }),
            Body::Signal(Signal::Spawned {
                req: 5,
                parent: a,
                child: Some(b),
            }),
            Body::Signal(Signal::Spawned {
                req: 6,
                parent: a,
                child: None,
            }),
            Body::Signal(Signal::Query {
                req: 7,
                body: Box::from(&b"{\"processes\": {}}"[..]),
            }),
            Body::Signal(Signal::Answer {
                req: 7,
                status: 0,
                body: Box::from(&b"[]"[..]),
            }),
            Body::Signal(Signal::Answer {
                req: 8,
                status: 2,
                body: Box::default(),
            }),
        ]
    }

    #[test]
    fn every_kind_survives_the_round_trip() {
        for (i, body) in all().into_iter().enumerate() {
            let f = Frame {
                src: 65535,
                epoch: 4,
                seq: i as u64 + 1,
                body,
            };
            assert_eq!(Frame::decode(&f.encode()), Ok(f));
        }
    }

    #[test]
    fn cut_or_strange_bytes_are_refused_not_misread() {
        for body in all() {
            let bytes = Frame {
                src: 1,
                epoch: 1,
                seq: 1,
                body,
            }
            .encode();
            // Every prefix either decodes to something or is refused; none panics.
            for n in 0..bytes.len() {
                let _ = Frame::decode(&bytes[..n]);
            }
        }
        assert!(Frame::decode(&[1; 3]).is_err());
        let mut v = Frame {
            src: 1,
            epoch: 1,
            seq: 1,
            body: Body::Hello,
        }
        .encode();
        v[1] = 200;
        assert_eq!(Frame::decode(&v), Err(BadFrame("unknown kind")));
        v[0] = 9;
        assert_eq!(Frame::decode(&v), Err(BadFrame("unknown version")));
    }
}
