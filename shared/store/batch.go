package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BatchGet reads up to 100 items of the table in one strongly consistent
// BatchGetItem (unprocessed keys are asked again after a short pause) and
// returns those that exist, keyed by sort key. The keys must have
// distinct sort keys.
func (s *Store) BatchGet(ctx context.Context, keys []Item) (map[string]Item, error) {
	req := map[string]ddbtypes.KeysAndAttributes{s.Table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	out := make(map[string]Item, len(keys))
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 0 {
			if attempt > 5 {
				return nil, fmt.Errorf("batch get: unprocessed keys remain")
			}
			time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
		}
		res, err := s.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return nil, fmt.Errorf("batch get: %w", err)
		}
		for _, it := range res.Responses[s.Table] {
			if sk, ok := it[AttrSK].(*ddbtypes.AttributeValueMemberS); ok {
				out[sk.Value] = it
			}
		}
		req = res.UnprocessedKeys
	}
	return out, nil
}
