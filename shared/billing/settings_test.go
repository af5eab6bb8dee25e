package billing_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/app/billingwire"
	"github.com/example/myprofile/shared/billing"
)

// Alert and SetAlert called directly: who may set one, validation, and what
// is stored.
func TestServiceAlertSettings(t *testing.T) {
	e := apptest.New(t, nil)
	svc := billingwire.Service(e.Deps.Deps)
	ctx := context.Background()
	usd := func(amount int64) billing.Money { return billing.Money{Amount: amount, Currency: "USD"} }
	enabled := billing.Settings{Enabled: true, Threshold: usd(5000), Channels: []string{billing.ChannelEmail}}
	tests := []struct {
		name string
		role string // the member's role ("" for no organization)
		in   billing.Settings
		// the error expected (nil: the settings read back are want)
		wantErr  error
		wantCode string
		want     billing.Settings
	}{
		{name: "owner sets an alert", role: account.RoleOwner, in: enabled, want: enabled},
		{name: "admin sets an alert", role: account.RoleAdmin, in: enabled, want: enabled},
		{name: "user role may not", role: account.RoleUser, in: enabled, wantErr: billing.ErrCannotManage, wantCode: account.CodeForbidden},
		{name: "no organization may not", role: "", in: enabled, wantErr: billing.ErrCannotManage, wantCode: account.CodeForbidden},
		{name: "sms without a verified phone is refused", role: account.RoleOwner,
			in: billing.Settings{Enabled: true, Threshold: usd(1), Channels: []string{billing.ChannelSMS}}, wantCode: account.CodeValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			signed := e.SignUp(nil)
			u, err := e.Deps.Store().GetUser(ctx, signed.ID)
			if err != nil {
				t.Fatal(err)
			}
			orgID, m := signed.OrgID, u.Orgs[signed.OrgID]
			m.Role = tc.role
			if tc.role == "" {
				orgID, m = "", account.Membership{}
			}
			got, err := svc.SetAlert(ctx, u, orgID, m, tc.in)
			if tc.wantCode != "" {
				if code := account.AsError(err).Code; code != tc.wantCode || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %v, want %v (%s)", err, tc.wantErr, tc.wantCode)
				}
				stored, err := svc.Alert(ctx, u, signed.OrgID)
				if err != nil || stored.Enabled {
					t.Errorf("after a refused change: %+v, %v; want the disabled default", stored, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
			stored, err := svc.Alert(ctx, u, orgID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) || !reflect.DeepEqual(stored, tc.want) {
				t.Errorf("returned %+v, read back %+v; want %+v", got, stored, tc.want)
			}
		})
	}
	t.Run("no organization has no alert", func(t *testing.T) {
		if _, err := svc.Alert(ctx, account.User{ID: "user-x"}, ""); !errors.Is(err, billing.ErrNoOrganization) {
			t.Errorf("got %v, want %v", err, billing.ErrNoOrganization)
		}
	})
}
