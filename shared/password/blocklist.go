package password

import (
	_ "embed"
	"strings"
	"sync"
)

//go:generate go run ./internal/genblocklist blocklist.txt

// BlocklistSize is how many of the most common passwords are refused
// (ASVS 2.1.7).
const BlocklistSize = 10000

// blocklistText is generated from the frequency-ordered password list that
// ships with the zxcvbn port, not typed by hand; TestBlocklistMatchesSource
// keeps it equal to that list.
//
//go:embed blocklist.txt
var blocklistText string

var blocklist = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, BlocklistSize)
	for _, p := range strings.Split(strings.TrimSpace(blocklistText), "\n") {
		m[p] = struct{}{}
	}
	return m
})

// isCommon reports whether the password, ignoring case, is one of the most
// common passwords.
func isCommon(password string) bool {
	_, ok := blocklist()[strings.ToLower(password)]
	return ok
}
