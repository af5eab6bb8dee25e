package matching

import (
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/example/myprofile/shared/password/strength/internal/zxcvbn/adjacency"
	"github.com/example/myprofile/shared/password/strength/internal/zxcvbn/frequency"
	"github.com/trustelem/zxcvbn/match"
)

func Omnimatch(password string, userInputs []string) (matches []*match.Match) {
	dictMatcher := defaultRankedDictionnaries().withDict("user_inputs", buildRankedDict(userInputs))

	matchers := []match.Matcher{
		dictMatcher,
		reverseDictionnaryMatch{dm: dictMatcher},
		l33tMatch{dm: dictMatcher, table: l33tTable},
		spatialMatch{graphs: defaultGraphs()},
		repeatMatch{},
		sequenceMatch{},
		regexpMatch{regexes: defaultRegexpMatch()},
		dateMatch{},
	}

	for _, m := range matchers {
		matches = append(matches, m.Matches(password)...)
	}
	match.Sort(matches)
	return matches
}

var (
	// defaultRankedDictionnaries is built on the first Omnimatch, not at
	// package initialisation as upstream does: ranking the ~100k words
	// takes about 18 ms and 10 MB, which every Lambda cold start would
	// otherwise pay even when no password is set. The word lists are
	// embedded text (package frequency), read here.
	defaultRankedDictionnaries = sync.OnceValue(func() dictionaryMatch {
		loaded.Store(true)
		return loadDefaultDictionnaries()
	})
	// The adjacency graphs and the year pattern too, on first use.
	defaultGraphs      = sync.OnceValue(loadDefaultAdjacencyGraphs)
	defaultRegexpMatch = sync.OnceValue(func() []struct {
		Name   string
		Regexp *regexp.Regexp
	} {
		return []struct {
			Name   string
			Regexp *regexp.Regexp
		}{{Name: "recent_year", Regexp: regexp.MustCompile(`19\d\d|200\d|201\d`)}}
	})
	l33tTable = map[string][]string{
		"a": {"4", "@"},
		"b": {"8"},
		"c": {"(", "{", "[", "<"},
		"e": {"3"},
		"g": {"6", "9"},
		"i": {"1", "!", "|"},
		"l": {"1", "|", "7"},
		"o": {"0"},
		"s": {"$", "5"},
		"t": {"+", "7"},
		"x": {"%"},
		"z": {"2"},
	}
)

// loaded reports whether the dictionaries have been built (for tests).
var loaded atomic.Bool

// DictionariesLoaded reports whether the ranked dictionaries have been
// built, which happens on the first Omnimatch only.
func DictionariesLoaded() bool { return loaded.Load() }

func loadDefaultDictionnaries() dictionaryMatch {
	rd := make(map[string]rankedDictionnary)
	lists, err := frequency.Lists()
	if err != nil { // the files are embedded at build time: a broken build
		panic(err)
	}
	for n, list := range lists {
		rd[n] = buildRankedDict(list)
	}
	return dictionaryMatch{
		rankedDictionaries: rd,
	}
}

func loadDefaultAdjacencyGraphs() []*adjacency.Graph {
	return []*adjacency.Graph{
		adjacency.Graphs()["qwerty"],
		adjacency.Graphs()["dvorak"],
		adjacency.Graphs()["keypad"],
		adjacency.Graphs()["mac_keypad"],
	}

}
