// Package connectionswire builds the connected accounts capability: the
// connections function's routes, the scheduled token refresher
// (connections-refresh), the profile's calendar check and the account
// deletion hook.
package connectionswire

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/example/myprofile/shared/account"
	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/app/datakeywire"
	"github.com/example/myprofile/shared/app/mailwire"
	"github.com/example/myprofile/shared/connections"
	"github.com/example/myprofile/shared/httpapi"
	"github.com/example/myprofile/shared/store/connectionsdb"
)

// Names of the parts tests (and the local gateway) may replace with
// app.Deps.SetClient.
const (
	// ConfigName: a connections.Config (default: LoadConfig of the
	// environment).
	ConfigName = "connections-config"
	// ClientsName: a connections.ClientSource (default: the secret
	// CONNECTIONS_SECRET names, else CONNECTIONS_<P>_CLIENT_ID/_SECRET).
	ClientsName = "connections-clients"
	// PublisherName: a connections.Publisher (default: BusPublisher, the
	// domain events outbox and bus, when EVENT_BUS_NAME is set; else a log
	// line).
	PublisherName = "connections-publisher"
)

// Service returns the connections service.
func Service(d *app.Deps) (*connections.Service, error) {
	keys, err := datakeywire.Keys(d)
	if err != nil {
		return nil, err
	}
	st := d.Store()
	pub := publisher(d) // outside app.Client: it reads other clients
	return &connections.Service{
		Store: connectionsdb.New(st), Users: st, Sealer: connections.DataKeySealer{Keys: keys},
		Clients:   app.Client(d, ClientsName, func(cfg aws.Config) connections.ClientSource { return clientSource(d, cfg) }),
		Config:    app.Client(d, ConfigName, func(aws.Config) connections.Config { return connections.LoadConfig(os.Getenv) }),
		Publisher: app.Client(d, PublisherName, func(aws.Config) connections.Publisher { return pub }),
		Mailer:    mailwire.Mailer(d), AppName: d.Config.AppName, Now: d.Now, Log: d.Log,
	}, nil
}

// Routes are the connections function's routes.
func Routes(d *app.Deps) (httpapi.Routes, error) {
	s, err := Service(d)
	if err != nil {
		return nil, err
	}
	return s.Routes(d.Sessions().Require), nil
}

// RefreshJob is the connections-refresh function: renew the tokens about
// to expire.
func RefreshJob(d *app.Deps) app.Job {
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		s, err := Service(d)
		if err != nil {
			return err
		}
		_, err = s.RefreshDue(ctx)
		return err
	}
}

// CalendarCheck is the profile's calendar rule (profile.Service.CheckCalendar).
func CalendarCheck(d *app.Deps) (func(ctx context.Context, before, after account.User) error, error) {
	s, err := Service(d)
	if err != nil {
		return nil, err
	}
	return s.CheckCalendar, nil
}

// MeetingLink is the profile's Complete hook that fills a zoom meeting
// location with the connected Zoom account's link.
func MeetingLink(d *app.Deps) (func(ctx context.Context, before account.User, after *account.User) error, error) {
	s, err := Service(d)
	if err != nil {
		return nil, err
	}
	return s.FillMeetingLink, nil
}

// DeleteHooks revoke and delete a deleted account's connections.
func DeleteHooks(d *app.Deps) ([]func(context.Context, account.User) error, error) {
	s, err := Service(d)
	if err != nil {
		return nil, err
	}
	return []func(context.Context, account.User) error{s.OnDelete}, nil
}

func clientSource(d *app.Deps, cfg aws.Config) connections.ClientSource {
	if id := os.Getenv("CONNECTIONS_SECRET"); id != "" {
		return &secretClients{client: secretsmanager.NewFromConfig(cfg), id: id}
	}
	return EnvClients(os.Getenv)
}

// EnvClients reads CONNECTIONS_<PROVIDER>_CLIENT_ID and _CLIENT_SECRET
// (local runs and tests; never the stack, which keeps them in Secrets
// Manager).
type EnvClients func(string) string

// Client implements connections.ClientSource.
func (e EnvClients) Client(_ context.Context, provider string) (string, string, error) {
	p := "CONNECTIONS_" + strings.ToUpper(provider) + "_"
	return e(p + "CLIENT_ID"), e(p + "CLIENT_SECRET"), nil
}

// StaticClients gives fixed client ids and secrets by provider.
type StaticClients map[string][2]string

// Client implements connections.ClientSource.
func (s StaticClients) Client(_ context.Context, provider string) (string, string, error) {
	c := s[provider]
	return c[0], c[1], nil
}

// secretClients reads {"<provider>": {"clientId": "...", "clientSecret":
// "..."}} from one Secrets Manager secret at first use and keeps it.
type secretClients struct {
	client *secretsmanager.Client
	id     string

	mu   sync.Mutex
	vals map[string]struct {
		ClientID     string `json:"clientId"`
		ClientSecret string `json:"clientSecret"`
	}
}

func (s *secretClients) Client(ctx context.Context, provider string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vals == nil {
		out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.id)})
		if err != nil {
			return "", "", fmt.Errorf("read secret %s: %w", s.id, err)
		}
		if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &s.vals); err != nil {
			// The value is never quoted.
			return "", "", fmt.Errorf("secret %s: not a JSON object of providers", s.id)
		}
	}
	v := s.vals[provider]
	return v.ClientID, v.ClientSecret, nil
}
