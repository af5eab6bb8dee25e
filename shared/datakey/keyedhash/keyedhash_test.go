package keyedhash

import (
	"context"
	"errors"
	"strings"
	"testing"
)

type static []byte

func (k static) DataKey(context.Context) ([]byte, error) { return k, nil }

func TestHasher(t *testing.T) {
	ctx := context.Background()
	h := Hasher{Keys: static(strings.Repeat("k", 32))}
	stored, err := h.Sum(ctx, "verify-code", "user-a", "change-1", "123456")
	if err != nil {
		t.Fatal(err)
	}
	other := Hasher{Keys: static(strings.Repeat("x", 32))}
	tests := []struct {
		name  string
		h     Hasher
		parts []string
		want  bool
	}{
		{"the same parts under the key match", h, []string{"verify-code", "user-a", "change-1", "123456"}, true},
		{"another key does not", other, []string{"verify-code", "user-a", "change-1", "123456"}, false},
		{"another user does not", h, []string{"verify-code", "user-b", "change-1", "123456"}, false},
		{"another use does not", h, []string{"sms-code", "user-a", "change-1", "123456"}, false},
		{"parts are not concatenated loosely", h, []string{"verify-code", "user-a", "change-11", "23456"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.h.Match(ctx, stored, tc.parts...)
			if err != nil || got != tc.want {
				t.Errorf("Match = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if ok, _ := h.Match(ctx, "zz", "verify-code"); ok {
		t.Error("a corrupt stored hash matched")
	}
	if _, err := (Hasher{Keys: static(make([]byte, 16))}).Sum(ctx, "x"); !errors.Is(err, ErrNoKey) {
		t.Errorf("a 16-byte key: %v, want ErrNoKey", err)
	}
	if _, err := (Hasher{}).Sum(ctx, "x"); !errors.Is(err, ErrNoKey) {
		t.Errorf("no key: %v, want ErrNoKey", err)
	}
}
