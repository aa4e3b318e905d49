//! `conf_rust_server`: version 1 of the protocol's counter server.
fn main() {
    conf_rust::start::<1>();
}
hatchery_sdk::export_server!(upgrade: conf_rust::Counter<1>);
