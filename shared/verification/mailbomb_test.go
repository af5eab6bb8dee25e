package verification_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/example/myprofile/infra/localcloud/testenv"
	"github.com/example/myprofile/shared/app/apptest"
)

// Issue 18, mail bombing through email change: one address gets at most 3
// code mails an hour (10 a day), whichever accounts ask. HTTP only, so it
// ran (and failed) against the code before the limit.
func TestEmailChangeCodesLimitedPerRecipient(t *testing.T) {
	// 01:00 UTC today: the day's window holds every hour the test advances.
	e := apptest.New(t, &apptest.Options{Start: time.Now().UTC().Truncate(24 * time.Hour).Add(time.Hour)})
	victim := testenv.Email(t)
	ask := func(u apptest.User) *apptest.Response {
		return e.Do(apptest.Req{Method: "POST", Path: "/v1/me/email-change", Token: u.Token, Body: map[string]any{"newEmail": victim, "password": u.Password}})
	}
	users := []apptest.User{e.SignUp(nil), e.SignUp(nil), e.SignUp(nil)}
	for i, u := range users {
		if res := ask(u); res.Status != http.StatusAccepted {
			t.Fatalf("request %d: %d %s", i+1, res.Status, res.Body)
		}
	}
	fourth := e.SignUp(nil)
	wantRateLimited(t, ask(fourth))
	if got := len(e.Emails(victim)); got != 3 {
		t.Errorf("%d mails reached the address in an hour, want 3", got)
	}
	// The refusal used up nothing of the account: it can change to another address.
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/email-change", Token: fourth.Token, Body: map[string]any{"newEmail": testenv.Email(t), "password": fourth.Password}})

	t.Run("ten a day", func(t *testing.T) {
		for hour := 1; len(e.Emails(victim)) < 10; hour++ {
			e.Clock.Advance(time.Hour)
			for range 3 {
				if len(e.Emails(victim)) == 10 {
					break
				}
				if res := ask(e.SignUp(nil)); res.Status != http.StatusAccepted {
					t.Fatalf("hour %d, mail %d: %d %s", hour, len(e.Emails(victim))+1, res.Status, res.Body)
				}
			}
		}
		e.Clock.Advance(time.Hour)
		wantRateLimited(t, ask(e.SignUp(nil)))
	})
}
