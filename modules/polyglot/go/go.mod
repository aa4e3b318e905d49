// poly_go_user, the Go member of apps/polyglot: a messenger user.
module hatchery.local/polyglot

go 1.24

require hatchery.local/sdk v0.0.0

// The SDK is in this repository, never fetched.
replace hatchery.local/sdk => ../../../guest-sdk/go
