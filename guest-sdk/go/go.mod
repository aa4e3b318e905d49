// The Go SDK for Hatchery guests. Its path is under .local, which no proxy or DNS name
// can serve, so a go.mod that requires it without a replace directive fails at once
// instead of fetching someone else's code. New projects do not import this module: they
// get a copy of hatchery/ inside their own module (see README.md).
module hatchery.local/sdk

go 1.24
