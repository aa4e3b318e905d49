//! Hatchery's nodes joined over NATS (issue 12): pids that name their node, signals that
//! keep their order between two nodes, and `noconnection` when a node goes away.
//!
//! [`cluster::join`] connects to a NATS server, claims the node's name and a slot, and
//! gives the [`hatchery_core::Membership`] to create the node with;
//! [`cluster::Joined::attach`] then makes the node's transport to the other nodes.
//! [`frame`] is the wire format, [`session`] the rule that turns a lost frame into a lost
//! connection. See ARCHITECTURE.md, "Distribution".

#![warn(missing_docs)]

pub mod cluster;
pub mod frame;
pub mod loopback;
pub mod session;

pub use cluster::{Cluster, Joined, Options, join};
