//! `conf_rust_server_v2`: version 2 of the protocol's counter server.
fn main() {
    conf_rust::start::<2>();
}
hatchery_sdk::export_server!(upgrade: conf_rust::Counter<2>);
