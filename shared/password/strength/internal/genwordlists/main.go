// Command genwordlists writes the word lists embedded from the zxcvbn port
// (github.com/trustelem/zxcvbn/frequency), whose Go map literal costs every
// program that links it about 5 ms at start-up:
//
//   - blocklist.txt: the 10,000 most common passwords (the policy's
//     blocklist);
//   - internal/zxcvbn/frequency/lists/<name>.txt: every ranked list, one
//     word per line in rank order, read by the estimator on first use.
//
// Run it with `go generate ./shared/password/strength`. The tests of both packages
// keep the files equal to the upstream lists.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/trustelem/zxcvbn/frequency"
)

const blocklistSize = 10000

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: genwordlists <blocklist file> <frequency lists folder>")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "genwordlists:", err)
		os.Exit(1)
	}
}

func run(blocklist, dir string) error {
	passwords := frequency.FrequencyLists["passwords"]
	if len(passwords) < blocklistSize {
		return fmt.Errorf("the zxcvbn list has %d passwords, want at least %d", len(passwords), blocklistSize)
	}
	if err := write(blocklist, passwords[:blocklistSize]); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, words := range frequency.FrequencyLists {
		if err := write(filepath.Join(dir, name+".txt"), words); err != nil {
			return err
		}
	}
	return nil
}

func write(path string, words []string) error {
	for _, w := range words {
		if w == "" || strings.ContainsAny(w, "\r\n") {
			return fmt.Errorf("%s: word %q cannot be one line", path, w)
		}
	}
	return os.WriteFile(path, []byte(strings.Join(words, "\n")+"\n"), 0o644)
}
