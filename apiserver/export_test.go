package apiserver

import (
	"testing"
	"time"
)

// SetAPIServiceResync makes engines started from now on check every APIService's
// availability every d, until the test ends.
func SetAPIServiceResync(t testing.TB, d time.Duration) {
	old := apiServiceResync
	apiServiceResync = d
	t.Cleanup(func() { apiServiceResync = old })
}
