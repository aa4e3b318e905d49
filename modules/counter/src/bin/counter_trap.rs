//! Counter version 4 (see the library).
fn main() {
    counter::start::<4>();
}
hatchery_sdk::export_server!(upgrade: counter::Counter<4>);
