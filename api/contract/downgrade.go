// Package contract turns api/openapi.yaml (OpenAPI 3.1) into what client
// generators that read only OpenAPI 3.0 need (oapi-codegen), for the test
// that generates and compiles the Go and TypeScript clients.
package contract

import (
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// Downgrade returns spec (OpenAPI 3.1 YAML) as OpenAPI 3.0.3: a type list
// with "null" becomes the other type with nullable: true, null leaves the
// enums, and a schema's examples list becomes example. Nothing else is
// changed: the document must use no other 3.1-only construct.
func Downgrade(spec []byte) ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	doc["openapi"] = "3.0.3"
	walk(doc)
	out, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	return out, nil
}

func walk(v any) {
	switch x := v.(type) {
	case map[string]any:
		if types, ok := x["type"].([]any); ok {
			var rest []any
			for _, t := range types {
				if t == "null" {
					x["nullable"] = true
				} else {
					rest = append(rest, t)
				}
			}
			if len(rest) == 1 {
				x["type"] = rest[0]
			} else {
				delete(x, "type")
			}
		}
		if enum, ok := x["enum"].([]any); ok {
			x["enum"] = slices.DeleteFunc(enum, func(e any) bool { return e == nil })
		}
		if ex, ok := x["examples"].([]any); ok && len(ex) > 0 && isSchema(x) {
			x["example"] = ex[0]
			delete(x, "examples")
		}
		for _, e := range x {
			walk(e)
		}
	case []any:
		for _, e := range x {
			walk(e)
		}
	}
}

// isSchema tells a schema (examples: a list) from a media type or
// parameter (examples: a map, left alone).
func isSchema(m map[string]any) bool {
	_, t := m["type"]
	_, p := m["pattern"]
	_, f := m["format"]
	return t || p || f
}
