// Package datakeywire supplies the 2FA data key to the functions that seal
// TOTP secrets or hash one-time codes with it (twofactor, auth,
// verification).
package datakeywire

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/datakey"
	"github.com/example/myprofile/shared/datakey/keyedhash"
)

// SecretsManager is the service name of the Secrets Manager client
// (app.Deps.SetClient).
const SecretsManager = "secretsmanager"

// Keys is the data key: read from the secret MFA_DATA_KEY_SECRET names at
// first use (the stack's way), or MFA_DATA_KEY's value (local, tests, or a
// deploy that supplies the value itself).
func Keys(d *app.Deps) (keyedhash.KeySource, error) {
	if id := d.Config.MFADataKeySecret; id != "" {
		c := app.Client(d, SecretsManager, func(cfg aws.Config) *secretsmanager.Client { return secretsmanager.NewFromConfig(cfg) })
		return &datakey.Secret{Client: c, ID: id}, nil
	}
	if len(d.Config.MFADataKey) != 32 {
		return nil, fmt.Errorf("app: MFA_DATA_KEY_SECRET or MFA_DATA_KEY is required in stage %q (32 random bytes, base64)", d.Config.Stage)
	}
	return staticKey(d.Config.MFADataKey), nil
}

type staticKey []byte

func (k staticKey) DataKey(context.Context) ([]byte, error) { return k, nil }
