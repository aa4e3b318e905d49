// bench_go_noop: a process that does nothing; returning from main ends it with reason
// normal. It measures what spawning and ending a Go process costs (the runtime's start).
package main

func main() {}
