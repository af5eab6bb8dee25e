// Command genblocklist writes blocklist.txt: the 10,000 most common
// passwords from the frequency-ordered list that ships with the zxcvbn port
// (github.com/trustelem/zxcvbn/frequency). Run it with `go generate
// ./shared/password`. Only the list is embedded in the Lambdas; the zxcvbn
// tables (2 MB of other word lists) stay out of the binaries.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/trustelem/zxcvbn/frequency"
)

const size = 10000

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genblocklist <output file>")
		os.Exit(2)
	}
	list := frequency.FrequencyLists["passwords"]
	if len(list) < size {
		fmt.Fprintf(os.Stderr, "the zxcvbn list has %d passwords, want at least %d\n", len(list), size)
		os.Exit(1)
	}
	out := strings.Join(list[:size], "\n") + "\n"
	if err := os.WriteFile(os.Args[1], []byte(out), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
