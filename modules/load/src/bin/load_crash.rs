//! A process that panics as soon as it starts (with `panic = "abort"`, a trap): the
//! crashing child of the restart benchmark.

fn main() {
    panic!("load_crash: crashing on purpose");
}
