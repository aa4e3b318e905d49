//! A process that does nothing: returning from `main` ends it with reason `normal`.
//! Used to measure spawn and exit cost.

fn main() {}
