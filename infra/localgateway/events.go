package main

import (
	"fmt"

	"github.com/example/myprofile/infra/localcloud"
	"github.com/example/myprofile/shared/catalog"
)

// scheduleSource and scheduleDetailType are what EventBridge Scheduler's
// events carry (see scheduledEvent).
const (
	scheduleSource     = "aws.events"
	scheduleDetailType = "Scheduled Event"
)

// eventRules are the local bus's rules: the catalog's, as the stack deploys
// them (an event function gets the events of its EventSource whose
// detail-type it lists), and one per scheduled function matching a
// "Scheduled Event" whose resources name its rule (…:rule/<name> or
// …:rule/local-<name>), so a scheduled run can be sent by hand too.
func eventRules(src lambdaSource, fns []catalog.Function) ([]localcloud.EventRule, error) {
	var rules []localcloud.EventRule
	for _, f := range fns {
		var rule localcloud.EventRule
		switch f.Kind {
		case catalog.Event:
			rule = localcloud.EventRule{Name: f.Name, Source: f.EventSource, DetailTypes: f.DetailTypes}
		case catalog.Schedule:
			rule = localcloud.EventRule{Name: f.Name, Source: scheduleSource, DetailTypes: []string{scheduleDetailType}, Resource: f.Name}
		default:
			continue
		}
		h, err := src.Lambda(f.Name)
		if err != nil {
			return nil, fmt.Errorf("event function %s: %w", f.Name, err)
		}
		rule.Target = h
		rules = append(rules, rule)
	}
	return rules, nil
}
