package password

import (
	"strings"
	"sync"

	"github.com/trustelem/zxcvbn/frequency"
)

// BlocklistSize is how many of the most common passwords are refused
// (ASVS 2.1.7). The list is the frequency-ordered password list that ships
// with the zxcvbn port, not typed by hand.
const BlocklistSize = 10000

var blocklist = sync.OnceValue(func() map[string]struct{} {
	list := frequency.FrequencyLists["passwords"]
	if len(list) > BlocklistSize {
		list = list[:BlocklistSize]
	}
	m := make(map[string]struct{}, len(list))
	for _, p := range list {
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
