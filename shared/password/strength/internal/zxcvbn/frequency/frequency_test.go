package frequency

import (
	"slices"
	"testing"

	upstream "github.com/trustelem/zxcvbn/frequency"
)

// The embedded files are upstream's lists, word for word and in rank
// order; after a change of the zxcvbn module run go generate
// ./shared/password.
func TestListsMatchUpstream(t *testing.T) {
	got, err := Lists()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(upstream.FrequencyLists) {
		t.Errorf("%d lists, upstream has %d", len(got), len(upstream.FrequencyLists))
	}
	for name, want := range upstream.FrequencyLists {
		if !slices.Equal(got[name], want) {
			t.Errorf("list %q: %d words differ from upstream's %d (go generate ./shared/password/strength)", name, len(got[name]), len(want))
		}
	}
}
