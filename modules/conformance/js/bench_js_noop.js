// bench_js_noop: returns at once. Spawning it measures a JavaScript process's start and end.
export function run() {}
