package store_test

import (
	"errors"
	"testing"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/store"
)

func TestWriteError(t *testing.T) {
	stale := errors.New("stale")
	other := errors.New("throttled")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"no error", nil, nil},
		{"item missing", &ddbtypes.ConditionalCheckFailedException{}, account.ErrNotFound},
		{"item failed the condition", &ddbtypes.ConditionalCheckFailedException{Item: store.Item{"pk": store.S("u")}}, stale},
		{"another error", other, other},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := store.WriteError(tc.err, stale, "save thing")
			if !errors.Is(got, tc.want) || (tc.want == nil) != (got == nil) {
				t.Fatalf("WriteError = %v, want %v", got, tc.want)
			}
			if tc.want == other && got.Error() != "save thing: throttled" {
				t.Errorf("message %q, want the operation named", got.Error())
			}
		})
	}
}
