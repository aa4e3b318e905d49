//! Counter version 3 (see the library).
fn main() {
    counter::start::<3>();
}
hatchery_sdk::export_server!(upgrade: counter::Counter<3>);
