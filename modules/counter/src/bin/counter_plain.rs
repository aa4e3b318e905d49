//! Counter version 5: no upgrade callbacks (see the library).
fn main() {
    counter::start::<5>();
}
hatchery_sdk::export_server!();
