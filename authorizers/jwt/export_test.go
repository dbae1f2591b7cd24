package jwt

// OnRefresh makes v call f after each background refresh of its keys, so that a test waits for
// the refresh it caused instead of for time to pass. Call it before v's first Verify.
func OnRefresh(v *Verifier, f func()) { v.keys.refreshed = f }
