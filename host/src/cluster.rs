//! `hatchery run --node NAME --nats URL`: joining a cluster from the command line.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

/// The flags that put a node in a cluster (none: the node runs alone, with no network).
#[derive(clap::Args, Debug, Clone)]
pub struct ClusterArgs {
    /// This node's name in its cluster (`a`, `messenger@host`); with --nats.
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
    /// The cluster to join: nodes of one cluster see each other [default: hatchery].
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// The NATS server, `nats://127.0.0.1:4222`, or `auto`: that address, with a loopback
    /// `nats-server` started there first when nothing answers.
    #[arg(long, value_name = "URL")]
    pub nats: Option<String>,
    /// The secret the nodes of a cluster share [default: ~/.hatchery/cookie, made on first
    /// use, as Erlang's ~/.erlang.cookie].
    #[arg(long, env = "HATCHERY_COOKIE", hide_env_values = true)]
    pub cookie: Option<String>,
    /// A node not heard from for this long is down: its links fire `noconnection`
    /// (Erlang's net_ticktime), in milliseconds.
    #[arg(long, value_name = "MS")]
    pub net_ticktime_ms: Option<u64>,
}

/// Where `--nats auto` looks for, or starts, a server.
const AUTO: &str = "127.0.0.1:4222";

impl ClusterArgs {
    /// These flags over a manifest's `[cluster]`: a flag given wins.
    pub fn over(&self, table: Option<&hatchery::manifest::ClusterTable>) -> ClusterArgs {
        let Some(t) = table else {
            return self.clone();
        };
        ClusterArgs {
            node: self.node.clone().or_else(|| t.node.clone()),
            cluster: self.cluster.clone().or_else(|| t.name.clone()),
            nats: self.nats.clone().or_else(|| t.nats.clone()),
            cookie: self.cookie.clone(),
            net_ticktime_ms: self.net_ticktime_ms.or(t.net_ticktime_ms),
        }
    }

    /// Joins the cluster the flags name; `None` without `--nats`.
    ///
    /// # Errors
    ///
    /// When the flags contradict each other, NATS cannot be reached or the name is taken.
    pub async fn join(&self) -> anyhow::Result<Option<hatchery_dist::Joined>> {
        let Some(nats) = &self.nats else {
            if self.node.is_some() {
                bail!("--node needs --nats (the NATS server nodes meet on, or `auto`)");
            }
            return Ok(None);
        };
        let Some(name) = self.node.clone() else {
            bail!("--nats needs --node NAME: the node's name in the cluster");
        };
        let url = if nats == "auto" {
            auto_server()?
        } else {
            nats.clone()
        };
        let cookie = match &self.cookie {
            Some(c) if !c.is_empty() => c.clone().into_bytes(),
            _ => cookie_file()?,
        };
        let cluster = self.cluster.clone().unwrap_or_else(|| "hatchery".into());
        let joined = hatchery_dist::join(hatchery_dist::Options {
            url: url.clone(),
            cluster: cluster.clone(),
            name,
            cookie,
            ticktime: Duration::from_millis(self.net_ticktime_ms.unwrap_or(1000)),
            max_queued_bytes: hatchery_dist::cluster::MAX_QUEUED_BYTES,
        })
        .await?;
        let m = joined.membership();
        eprintln!(
            "hatchery: node {} joined cluster {} on {url} (slot {})",
            m.name, cluster, m.slot
        );
        Ok(Some(joined))
    }
}

/// `--nats auto`: the server on 127.0.0.1:4222, started when nothing listens there. It is
/// left running when this node stops, for the cluster's other nodes.
fn auto_server() -> anyhow::Result<String> {
    let url = format!("nats://{AUTO}");
    let addr: std::net::SocketAddr = AUTO.parse().context("the auto address")?;
    if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        return Ok(url);
    }
    let child = std::process::Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", "4222"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context(
            "--nats auto: nothing listens on 127.0.0.1:4222 and nats-server could not be \
             started (install it: apt-get install nats-server)",
        )?;
    for _ in 0..200 {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(50)).is_ok() {
            eprintln!(
                "hatchery: started nats-server on {AUTO} (pid {}); it stays up for the other \
                 nodes: `kill {}` stops it",
                child.id(),
                child.id()
            );
            return Ok(url);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    bail!("--nats auto: nats-server did not come up on {AUTO} within 2 s")
}

/// The cookie in `~/.hatchery/cookie`, made (random, readable by its owner only) when
/// missing.
fn cookie_file() -> anyhow::Result<Vec<u8>> {
    let home = std::env::var_os("HOME").map(PathBuf::from).context(
        "no cookie: give --cookie (or HATCHERY_COOKIE), or set HOME for ~/.hatchery/cookie",
    )?;
    let path = home.join(".hatchery").join("cookie");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let c = text.trim();
        if !c.is_empty() {
            return Ok(c.as_bytes().to_vec());
        }
    }
    let mut b = [0u8; 20];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("drawing a cookie: {e}"))?;
    let cookie: String = b.iter().map(|x| format!("{x:02x}")).collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    write_private(&path, &cookie).with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "hatchery: made a new cookie in {}; nodes on other machines need the same one",
        path.display()
    );
    Ok(cookie.into_bytes())
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}
