//! The floor under the remote round trip: the same 64-byte ping-pong between two plain
//! `async-nats` clients through the same `nats-server`, each on a one-thread runtime of
//! its own thread (as each Hatchery node's connection is), with no Hatchery in between.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;

/// Nanoseconds per round trip, the median of `reps` runs of `n` round trips.
pub fn round_trip_ns(url: &str, n: usize, reps: usize) -> anyhow::Result<f64> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let echo_url = url.to_owned();
    let echo = std::thread::spawn(move || -> anyhow::Result<()> {
        one_thread()?.block_on(async move {
            let client = async_nats::connect(echo_url.as_str()).await?;
            let mut pings = client.subscribe("floor.ping").await?;
            client.flush().await?;
            ready_tx.send(())?;
            while let Some(m) = pings.next().await {
                if m.payload.is_empty() {
                    break;
                }
                client.publish("floor.pong", m.payload).await?;
            }
            Ok(())
        })
    });
    ready_rx
        .recv_timeout(Duration::from_secs(10))
        .context("the echo client did not connect")?;
    let url = url.to_owned();
    let times = std::thread::spawn(move || -> anyhow::Result<Vec<f64>> {
        one_thread()?.block_on(async move {
            let client = async_nats::connect(url.as_str()).await?;
            let mut pongs = client.subscribe("floor.pong").await?;
            let data = bytes::Bytes::from(vec![7u8; 64]);
            // Until the echo's subscription is live (a flush does not prove it).
            let start = Instant::now();
            loop {
                client.publish("floor.ping", data.clone()).await?;
                let got = tokio::time::timeout(Duration::from_millis(100), pongs.next()).await;
                if matches!(got, Ok(Some(_))) {
                    break;
                }
                if start.elapsed() > Duration::from_secs(10) {
                    bail!("no echo through nats-server");
                }
            }
            let mut once = async || -> anyhow::Result<f64> {
                let t = Instant::now();
                for _ in 0..n {
                    client.publish("floor.ping", data.clone()).await?;
                    pongs.next().await.context("the pong subscription ended")?;
                }
                Ok(t.elapsed().as_nanos() as f64 / n as f64)
            };
            once().await?;
            let mut v = Vec::with_capacity(reps);
            for _ in 0..reps {
                v.push(once().await?);
            }
            client.publish("floor.ping", bytes::Bytes::new()).await?;
            client.flush().await?;
            Ok(v)
        })
    });
    let v = times
        .join()
        .map_err(|_| anyhow::anyhow!("the ping thread panicked"))??;
    echo.join()
        .map_err(|_| anyhow::anyhow!("the echo thread panicked"))??;
    Ok(crate::median(v))
}

fn one_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
