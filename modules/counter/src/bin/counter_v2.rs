//! Counter version 2 (see the library).
fn main() {
    counter::start::<2>();
}
hatchery_sdk::export_server!(upgrade: counter::Counter<2>);
