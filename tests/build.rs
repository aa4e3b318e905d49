//! Builds the guest modules in `modules/` for `wasm32-wasip1`, so `cargo test` needs no
//! manual step, and tells the tests where the `.wasm` files are.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .parent()
            .expect("tests/ has a parent")
            .to_path_buf();
    let modules = root.join("modules");
    for watched in ["guest-sdk", "scripts/guests.sh", "scripts/toolchains"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    // Everything in modules/ but its build output (watching that would rebuild every time).
    for entry in std::fs::read_dir(root.join("modules"))
        .expect("modules/ exists")
        .flatten()
    {
        if entry.file_name() != "target" {
            println!("cargo:rerun-if-changed={}", entry.path().display());
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&modules)
        .args(["build", "--release", "--target", "wasm32-wasip1"])
        // The outer build's settings must not leak into the guest build.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_MAKEFLAGS")
        .status()
        .expect("running cargo to build the guest modules");
    assert!(
        status.success(),
        "building the guest modules failed; is the target installed? (rustup target add wasm32-wasip1)"
    );
    // The guests in other languages: those whose toolchain is installed (scripts/test.sh
    // installs them all and checks that none is missing).
    let guests = Command::new("bash")
        .arg(root.join("scripts/guests.sh"))
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .expect("running scripts/guests.sh");
    assert!(
        guests.success(),
        "building the guest modules in other languages failed (scripts/guests.sh says why)"
    );
    let out = modules.join("target/wasm32-wasip1/release");
    println!("cargo:rustc-env=HATCHERY_MODULES_DIR={}", out.display());
    // Guests in other languages (scripts/guests.sh builds them here).
    println!(
        "cargo:rustc-env=HATCHERY_GUESTS_DIR={}",
        modules.join("target/guests").display()
    );
    println!("cargo:rustc-env=HATCHERY_ROOT={}", root.display());
}
