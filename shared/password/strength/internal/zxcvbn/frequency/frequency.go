// Package frequency holds the ranked word lists of
// github.com/trustelem/zxcvbn/frequency as embedded text files (lists/,
// written by shared/password/internal/genwordlists), read when Lists is
// called rather than built at package initialisation as upstream's map
// literal is.
package frequency

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed lists/*.txt
var files embed.FS

// Lists reads every list, by name, each word in rank order (rank 1 first).
// It reads the files anew on each call; the caller keeps what it builds.
func Lists() (map[string][]string, error) {
	names, err := fs.Glob(files, "lists/*.txt")
	if err != nil {
		return nil, fmt.Errorf("frequency lists: %w", err)
	}
	lists := make(map[string][]string, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("frequency lists: %w", err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(n, "lists/"), ".txt")
		lists[name] = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	return lists, nil
}
