//! Questions one node asks another about itself, for the operator's tools: the inspector's
//! and `hatchery top`'s cluster-wide views ask each node for its busiest processes over
//! the cluster's own connection, so a node needs no route to another's HTTP API.
//!
//! The core carries the bytes and matches answers to questions; what a question means is
//! the [`Answerer`]'s business (`hatchery-http` sets one that answers with the JSON of its
//! API). A question is read-only by contract: an answerer changes nothing on its node.
//! The answer is computed off the connection's task (on the runtime's blocking pool), so a
//! slow answer delays no signal between processes.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::node::Node;
use crate::remote::Signal;

/// The largest answer carried, in bytes; a larger one is answered as [`AskError::TooLarge`]
/// (NATS refuses payloads over 1 MiB by default).
pub const MAX_ANSWER: usize = 512 << 10;

/// Most questions a node answers at once; past it a question is refused as busy, so that
/// a chatty peer cannot fill the runtime's blocking pool.
pub const MAX_ANSWERING: usize = 4;

/// What answers other nodes' questions on this node.
pub trait Answerer: Send + Sync {
    /// The answer to `question` about `node`, or why there is none (the asker gets the
    /// text).
    ///
    /// # Errors
    ///
    /// A question this answerer does not understand.
    fn answer(&self, node: &Node, question: &[u8]) -> Result<Vec<u8>, String>;
}

/// Why a question got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    /// No node of that name is connected, or it went away before answering.
    #[error("no connection to node {0}")]
    NoConnection(String),
    /// The node did not answer in time.
    #[error("node {0} did not answer within {1:?}")]
    Timeout(String, Duration),
    /// The node answers no questions (nothing set its answerer).
    #[error("node {0} answers no questions")]
    NoAnswerer(String),
    /// The node refused the question, saying why.
    #[error("node {0} refused: {1}")]
    Refused(String, String),
    /// The answer was over [`MAX_ANSWER`].
    #[error("node {0}'s answer is over {MAX_ANSWER} bytes")]
    TooLarge(String),
}

/// How an answer ended, on the wire ([`Signal::Answer`]'s `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum AnswerStatus {
    /// `body` is the answer.
    Ok = 0,
    /// `body` is the text of the refusal.
    Refused = 1,
    /// The node has no answerer.
    NoAnswerer = 2,
    /// The answer was too large to carry.
    TooLarge = 3,
}

impl AnswerStatus {
    /// The status a byte stands for (an unknown one reads as a refusal).
    pub fn from_u8(b: u8) -> AnswerStatus {
        match b {
            0 => AnswerStatus::Ok,
            2 => AnswerStatus::NoAnswerer,
            3 => AnswerStatus::TooLarge,
            _ => AnswerStatus::Refused,
        }
    }
}

/// A question waiting for its answer.
pub(crate) struct Asked {
    slot: u16,
    node: String,
    answer: tokio::sync::oneshot::Sender<Result<Vec<u8>, AskError>>,
}

impl Node {
    /// Sets what answers other nodes' questions (once; a second call is refused).
    ///
    /// # Errors
    ///
    /// When the node already has one.
    pub fn set_answerer(&self, answerer: Arc<dyn Answerer>) -> anyhow::Result<()> {
        self.inner
            .answerer
            .set(answerer)
            .map_err(|_| anyhow::anyhow!("the node already has an answerer"))
    }

    /// Asks the node called `node` `question` and waits up to `timeout` for the answer.
    /// This node's own name is answered here, by its own answerer.
    ///
    /// # Errors
    ///
    /// [`AskError`].
    pub async fn ask_node(
        &self,
        node: &str,
        question: Vec<u8>,
        timeout: Duration,
    ) -> Result<Vec<u8>, AskError> {
        if node == self.name() {
            // As another node would: off the async threads, within the time given.
            let me = self.clone();
            let answer = self
                .inner
                .rt
                .spawn_blocking(move || me.answer_here(&question));
            return match tokio::time::timeout(timeout, answer).await {
                Ok(Ok((status, body))) => read_answer(node, status, body),
                Ok(Err(_)) => Err(AskError::Refused(
                    node.to_string(),
                    "the answerer failed".into(),
                )),
                Err(_) => Err(AskError::Timeout(node.to_string(), timeout)),
            };
        }
        let slot = self
            .inner
            .transport
            .get()
            .and_then(|t| t.slot_named(node))
            .ok_or_else(|| AskError::NoConnection(node.to_string()))?;
        let req = self.make_ref();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let asked = Asked {
            slot,
            node: node.to_string(),
            answer: tx,
        };
        self.inner.asking.lock().insert(req, asked);
        // The question is forgotten however this ends, a caller that gives up included.
        let _forget = Forget(self, req);
        let sent = self.to_node(
            slot,
            Signal::Query {
                req,
                body: question.into(),
            },
        );
        if !sent {
            return Err(AskError::NoConnection(node.to_string()));
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(answer) => answer.unwrap_or_else(|_| Err(AskError::NoConnection(node.to_string()))),
            Err(_) => Err(AskError::Timeout(node.to_string(), timeout)),
        }
    }

    /// This node's answer to `question`, with its status.
    fn answer_here(&self, question: &[u8]) -> (AnswerStatus, Vec<u8>) {
        let Some(a) = self.inner.answerer.get() else {
            return (AnswerStatus::NoAnswerer, Vec::new());
        };
        match a.answer(self, question) {
            Ok(body) if body.len() > MAX_ANSWER => (AnswerStatus::TooLarge, Vec::new()),
            Ok(body) => (AnswerStatus::Ok, body),
            Err(why) => (AnswerStatus::Refused, why.into_bytes()),
        }
    }

    /// The node in `slot` asks a question: answered from the blocking pool, at most
    /// [`MAX_ANSWERING`] at a time (past that, refused as busy at once).
    pub(crate) fn question(&self, slot: u16, req: u64, body: Box<[u8]>) {
        let answering = &self.inner.answering;
        if answering.fetch_add(1, Ordering::AcqRel) >= MAX_ANSWERING {
            answering.fetch_sub(1, Ordering::AcqRel);
            let busy = b"busy: it is answering as many questions as it takes at once".to_vec();
            let answer = Signal::Answer {
                req,
                status: AnswerStatus::Refused as u8,
                body: busy.into(),
            };
            self.to_node(slot, answer);
            return;
        }
        let node = self.clone();
        self.inner.rt.spawn_blocking(move || {
            let (status, body) = {
                // Counted down however the answerer returns (a panic included).
                let _done = Answering(&node.inner.answering);
                node.answer_here(&body)
            };
            let answer = Signal::Answer {
                req,
                status: status as u8,
                body: body.into(),
            };
            node.to_node(slot, answer);
        });
    }

    /// The answer to a question this node asked (dropped when the asker gave up).
    pub(crate) fn answered(&self, slot: u16, req: u64, status: u8, body: Box<[u8]>) {
        // Only the node that was asked answers.
        let asked = {
            let mut asking = self.inner.asking.lock();
            match asking.get(&req) {
                Some(a) if a.slot == slot => asking.remove(&req),
                _ => None,
            }
        };
        let Some(asked) = asked else { return };
        let answer = read_answer(&asked.node, AnswerStatus::from_u8(status), body.into());
        let _ = asked.answer.send(answer);
    }

    /// Questions waiting for the node in `slot` get no answer: it went away.
    pub(crate) fn questions_unanswered(&self, slot: u16) {
        let failed: Vec<Asked> = self
            .inner
            .asking
            .lock()
            .extract_if(|_, a| a.slot == slot)
            .map(|(_, a)| a)
            .collect();
        for a in failed {
            let _ = a.answer.send(Err(AskError::NoConnection(a.node)));
        }
    }
}

/// Counts an answer done when dropped.
struct Answering<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Removes a question from the waiting ones when dropped.
struct Forget<'a>(&'a Node, u64);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.0.inner.asking.lock().remove(&self.1);
    }
}

fn read_answer(node: &str, status: AnswerStatus, body: Vec<u8>) -> Result<Vec<u8>, AskError> {
    let node = node.to_string();
    match status {
        AnswerStatus::Ok => Ok(body),
        AnswerStatus::NoAnswerer => Err(AskError::NoAnswerer(node)),
        AnswerStatus::TooLarge => Err(AskError::TooLarge(node)),
        AnswerStatus::Refused => Err(AskError::Refused(
            node,
            String::from_utf8_lossy(&body).into_owned(),
        )),
    }
}
