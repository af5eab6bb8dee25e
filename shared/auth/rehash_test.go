package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/password"
)

// A password hashed before the argon2 cost rose is re-hashed at the new
// cost when its owner signs in, and then left alone.
func TestSignInUpgradesAWeakerHash(t *testing.T) {
	current := password.Params{MemoryKiB: 2048, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	old := password.Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	e := apptest.New(t, &apptest.Options{Configure: func(d *app.Deps) { d.Hasher = password.NewHasher(current) }})
	u := e.SignUp(nil)
	st := e.Deps.Store()
	ctx := context.Background()

	weak, err := password.NewHasher(old).Hash(u.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetPasswordHash(ctx, u.ID, weak); err != nil {
		t.Fatal(err)
	}
	e.Login(u.Email, u.Password)

	upgraded, err := st.GetPasswordHash(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if upgraded == weak {
		t.Fatal("the hash made at the old cost is still stored after sign-in")
	}
	if !strings.Contains(upgraded, "$m=2048,t=2,p=1$") || password.NewHasher(current).NeedsRehash(upgraded) {
		t.Errorf("stored hash parameters %v are not the current cost m=2048,t=2", strings.Split(upgraded, "$")[2:4])
	}
	if err := password.NewHasher(current).Verify(u.Password, upgraded); err != nil {
		t.Errorf("the upgraded hash does not verify the password: %v", err)
	}

	// At the current cost, signing in changes nothing.
	e.Login(u.Email, u.Password)
	if again, err := st.GetPasswordHash(ctx, u.ID); err != nil || again != upgraded {
		t.Errorf("a hash at the current cost was replaced at sign-in (err %v)", err)
	}
}
