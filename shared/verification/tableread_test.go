package verification_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/example/myprofile/shared/app/apptest"
	"github.com/example/myprofile/shared/store"
	"github.com/example/myprofile/shared/store/verificationdb"
)

// Issue 18, codes crackable from a table read: someone who reads the
// pending change's item (a backup, an export, a too-wide IAM grant) must
// not be able to check a code against its stored hash offline. The test
// knows the code (from the SMS), so one HMAC per candidate key stands for
// the million an attacker would compute: no value stored in the item, nor
// no key at all, reproduces the hash. Against the code before the keyed
// hash it failed: the item's salt did.
func TestStoredCodeHashNeedsTheServerKey(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	num, _ := phoneNumber(t)
	e.Must(http.StatusAccepted, apptest.Req{Method: "POST", Path: "/v1/me/phone-change", Token: u.Token, Body: map[string]any{"phone": num, "password": u.Password}})
	msgs := e.SMS(num)
	if len(msgs) != 1 {
		t.Fatalf("%d text messages, want 1", len(msgs))
	}
	code := mustCode(t, msgs[0].Message)

	out, err := e.Deps.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(e.Table), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: store.UserPK(u.ID)},
			"sk": &ddbtypes.AttributeValueMemberS{Value: verificationdb.VerifySK("phone")},
		},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("read the pending change: %v (item %v)", err, out.Item)
	}
	strs := map[string]string{}
	for k, v := range out.Item {
		if s, ok := v.(*ddbtypes.AttributeValueMemberS); ok {
			strs[k] = s.Value
		}
	}
	stored := strs["targetHash"]
	if len(stored) != 64 {
		t.Fatalf("targetHash %q is not a hex SHA-256", stored)
	}
	if stored == code {
		t.Fatal("the code is stored in clear")
	}
	// Messages an attacker would try: the known constructions over the
	// item's own fields and the code.
	msgsTried := []string{
		strs["id"] + "\x00target\x00" + code,
		strings.Join([]string{"verify-code", u.ID, strs["id"], "phone", "target", strs["target"], code}, "\x00"),
		code,
	}
	keys := map[string]string{"no key": ""}
	for k, v := range strs {
		keys["attribute "+k] = v
	}
	for name, key := range keys {
		for _, m := range msgsTried {
			mac := hmac.New(sha256.New, []byte(key))
			mac.Write([]byte(m))
			plain := sha256.Sum256([]byte(key + m))
			if got := hex.EncodeToString(mac.Sum(nil)); got == stored || hex.EncodeToString(plain[:]) == stored {
				t.Fatalf("the stored hash is reproduced from the item alone (%s): the code can be brute-forced from a table read", name)
			}
		}
	}
	if _, ok := out.Item["salt"]; ok {
		t.Error("the item still holds a salt")
	}
}
