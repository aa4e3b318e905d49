//! What the load benchmark guests (`src/bin/`) share: reading their arguments and sending
//! their report.

use hatchery_sdk::{ExitReason, Pid, exit};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The spawn arguments as `T`; a process with bad arguments ends with `custom: badarg`.
pub fn args<T: DeserializeOwned>(guest: &str) -> T {
    hatchery_sdk::args_json().unwrap_or_else(|err| {
        eprintln!("{guest}: bad arguments: {err}");
        exit(ExitReason::custom("badarg"))
    })
}

/// Prints `report` and sends it to `to`, if there is one.
pub fn report(guest: &str, to: Option<Pid>, report: &Value) {
    println!("{guest}: {report}");
    if let Some(to) = to {
        let _ = to.send(report);
    }
}

/// Ends the process with the error's name as its reason, after saying what failed.
pub fn fail(guest: &str, what: &str, err: hatchery_sdk::Error) -> ! {
    eprintln!("{guest}: {what}: {err}");
    exit(ExitReason::custom(err.name()))
}
