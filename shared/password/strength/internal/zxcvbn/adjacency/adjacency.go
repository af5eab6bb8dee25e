// Package adjacency is github.com/trustelem/zxcvbn/adjacency with its
// keyboard graphs built on first use (Graphs) instead of at package
// initialisation.
package adjacency

import "sync"

type Graph struct {
	Graph         map[string][]string
	Name          string
	AverageDegree float64
}

// Graphs returns the adjacency graphs by name, built on the first call.
var Graphs = sync.OnceValue(func() map[string]*Graph {
	graphs := make(map[string]*Graph, 4)
	for name, data := range map[string]func() map[string][]string{
		"qwerty":     adjacencyGraphQwerty,
		"dvorak":     adjacencyGraphDvorak,
		"keypad":     adjacencyGraphKeypad,
		"mac_keypad": adjacencyGraphMacKeypad,
	} {
		g := data()
		graphs[name] = &Graph{Name: name, Graph: g, AverageDegree: calculateAvgDegree(g)}
	}
	return graphs
})

func calculateAvgDegree(g map[string][]string) float64 {
	var avg float64
	for _, value := range g {
		for _, chars := range value {
			if chars != "" {
				avg += float64(1)
			}
		}

	}

	return avg / float64(len(g))
}
