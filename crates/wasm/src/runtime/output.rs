//! Captures a process's stdout and stderr, line by line, tagged with its pid.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

use crate::node::Node;
use crate::process::{Process, Stream};

/// One of a process's output streams, as WASI sees it.
#[derive(Clone)]
pub(crate) struct ProcessOutput {
    node: Node,
    proc: Arc<Process>,
    stream: Stream,
}

impl ProcessOutput {
    pub fn new(node: Node, proc: Arc<Process>, stream: Stream) -> Self {
        ProcessOutput { node, proc, stream }
    }

    fn write(&self, bytes: &[u8]) {
        self.node.write_output(&self.proc, self.stream, bytes);
    }
}

impl IsTerminal for ProcessOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for ProcessOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for ProcessOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
