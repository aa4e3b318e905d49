//! Counter version 1 (see the library).
fn main() {
    counter::start::<1>();
}
hatchery_sdk::export_server!(upgrade: counter::Counter<1>);
