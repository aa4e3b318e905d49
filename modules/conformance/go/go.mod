// The Go guests of the conformance suite (../PROTOCOL.md) and two benchmark guests.
module hatchery.local/conformance

go 1.24

require hatchery.local/sdk v0.0.0

// The SDK is in this repository, never fetched.
replace hatchery.local/sdk => ../../../guest-sdk/go
