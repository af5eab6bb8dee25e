package twofactordb

import (
	"context"
	"fmt"
	"time"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/twofactor"
)

var _ twofactor.PasskeyLoginStore = (*Store)(nil)

func passkeyLoginKey(id string) store.Item {
	return store.Key(store.PrefixPasskeyLogin+id, store.SKCeremony)
}

// PutPasskeyLogin stores a passwordless sign-in ceremony (TTL expires).
func (s *Store) PutPasskeyLogin(ctx context.Context, id, data string, expires time.Time) error {
	return s.putCeremony(ctx, store.PrefixPasskeyLogin+id, store.SKCeremony, data, expires, true, "passkey login")
}

// TakePasskeyLogin deletes the ceremony and returns it, if it has not
// expired (one conditional DeleteItem: of concurrent finishes, one wins).
func (s *Store) TakePasskeyLogin(ctx context.Context, id string, now time.Time) (string, error) {
	return s.takeCeremony(ctx, passkeyLoginKey(id), now, "passkey login")
}

// GetPasskeyWithUser reads one passkey and the user record in one strongly
// consistent BatchGetItem.
func (s *Store) GetPasskeyWithUser(ctx context.Context, userID, passkeyID string) (twofactor.Passkey, account.User, error) {
	items, err := s.BatchGet(ctx, []store.Item{
		store.Key(store.UserPK(userID), store.PrefixPasskey+passkeyID),
		store.Key(store.UserPK(userID), store.SKProfile),
	})
	if err != nil {
		return twofactor.Passkey{}, account.User{}, fmt.Errorf("get passkey: %w", err)
	}
	keyIt, userIt := items[store.PrefixPasskey+passkeyID], items[store.SKProfile]
	if keyIt == nil || userIt == nil {
		return twofactor.Passkey{}, account.User{}, account.ErrNotFound
	}
	var p passkeyItem
	if err := store.Unmarshal(keyIt, &p); err != nil {
		return twofactor.Passkey{}, account.User{}, err
	}
	var u account.User
	if err := store.Unmarshal(userIt, &u); err != nil {
		return twofactor.Passkey{}, account.User{}, err
	}
	return twofactor.Passkey(p), u, nil
}
