// `bench_as_noop`: returns from its entry at once (the cost of a process's life).

// Only the abort handler: the SDK itself would add its runtime and initializers.
import "../../../guest-sdk/assemblyscript/hatchery/abort";

export function hatchery_main(): void {}
