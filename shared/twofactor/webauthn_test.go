package twofactor_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/example/myprofile/shared/app/apptest"
)

const testOrigin = "http://localhost:8080" // the dev/test default of WEBAUTHN_ORIGINS

var b64 = base64.RawURLEncoding

// softKey is a minimal software authenticator: one ECDSA P-256 credential,
// "none" attestation, a sign counter.
type softKey struct {
	key     *ecdsa.PrivateKey
	id      []byte
	counter uint32
	// discoverable: report a client-side discoverable credential (credProps rk).
	discoverable bool
}

func newSoftKey(t *testing.T) *softKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &softKey{key: k, id: id}
}

type ceremonyOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func clientData(t *testing.T, typ, challenge, origin string) []byte {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// create answers navigator.credentials.create().
func (k *softKey) create(t *testing.T, opts ceremonyOptions, origin string) json.RawMessage {
	t.Helper()
	rpHash := sha256.Sum256([]byte(opts.PublicKey.RP.ID))
	pub, err := k.key.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	point := pub.Bytes() // 0x04 || X || Y
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: point[1:33], -3: point[33:]})
	if err != nil {
		t.Fatal(err)
	}
	var auth []byte
	auth = append(auth, rpHash[:]...)
	auth = append(auth, 0x45) // UP | UV | AT
	auth = binary.BigEndian.AppendUint32(auth, k.counter)
	auth = append(auth, make([]byte, 16)...) // AAGUID
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(k.id)))
	auth = append(auth, k.id...)
	auth = append(auth, cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		t.Fatal(err)
	}
	ext := map[string]any{}
	if k.discoverable {
		ext["credProps"] = map[string]any{"rk": true}
	}
	raw, _ := json.Marshal(map[string]any{
		"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"clientExtensionResults": ext,
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData(t, "webauthn.create", opts.PublicKey.Challenge, origin)),
			"attestationObject": b64.EncodeToString(att),
		},
	})
	return raw
}

// get answers navigator.credentials.get() with the given counter, user
// present and verified.
func (k *softKey) get(t *testing.T, opts ceremonyOptions, origin string, counter uint32, userHandle string) json.RawMessage {
	t.Helper()
	return k.getFlags(t, opts, origin, counter, userHandle, 0x05) // UP | UV
}

// getFlags is get with the authenticator data flags given.
func (k *softKey) getFlags(t *testing.T, opts ceremonyOptions, origin string, counter uint32, userHandle string, flags byte) json.RawMessage {
	t.Helper()
	rpHash := sha256.Sum256([]byte(opts.PublicKey.RPID))
	var auth []byte
	auth = append(auth, rpHash[:]...)
	auth = append(auth, flags)
	auth = binary.BigEndian.AppendUint32(auth, counter)
	cd := clientData(t, "webauthn.get", opts.PublicKey.Challenge, origin)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(map[string]any{
		"id": b64.EncodeToString(k.id), "rawId": b64.EncodeToString(k.id), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        userHandle,
		},
	})
	return raw
}

func beginRegistration(t *testing.T, e *apptest.Env, u apptest.User) ceremonyOptions {
	t.Helper()
	var o ceremonyOptions
	e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/me/2fa/webauthn/register/begin", Token: u.Token, Body: map[string]any{"password": u.Password}}).Decode(t, &o)
	if o.PublicKey.Challenge == "" || o.PublicKey.RP.ID != "localhost" {
		t.Fatalf("registration options = %+v", o)
	}
	return o
}

func beginAssertion(t *testing.T, e *apptest.Env, c challenge) ceremonyOptions {
	t.Helper()
	var o ceremonyOptions
	e.Must(http.StatusOK, apptest.Req{Method: "POST", Path: "/v1/auth/login/webauthn/begin", Body: map[string]any{"challengeId": c.ChallengeID}}).Decode(t, &o)
	if o.PublicKey.Challenge == "" {
		t.Fatalf("assertion options = %+v", o)
	}
	return o
}

func finishAssertion(e *apptest.Env, c challenge, cred json.RawMessage) *apptest.Response {
	return e.Do(apptest.Req{Method: "POST", Path: "/v1/auth/login/webauthn/finish", Body: map[string]any{"challengeId": c.ChallengeID, "credential": cred}})
}

func TestPasskeyRegistrationAndSignIn(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	key := newSoftKey(t)

	t.Run("registration from a wrong origin is refused", func(t *testing.T) {
		e := e.For(t)
		o := beginRegistration(t, e, u)
		res := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/2fa/webauthn/register/finish", Token: u.Token,
			Body: map[string]any{"name": "Evil", "credential": key.create(t, o, "https://evil.example")}})
		if res.Status != http.StatusBadRequest || res.Code() != "code_invalid" {
			t.Fatalf("wrong origin: %d %s, want 400 code_invalid", res.Status, res.Body)
		}
	})
	o := beginRegistration(t, e, u)
	res := e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/2fa/webauthn/register/finish", Token: u.Token,
		Body: map[string]any{"name": "Laptop", "credential": key.create(t, o, testOrigin)}})
	var created struct {
		ID          string   `json:"id"`
		Name        string   `json:"name"`
		BackupCodes []string `json:"backupCodes"`
	}
	res.Decode(t, &created)
	if created.ID != b64.EncodeToString(key.id) || created.Name != "Laptop" || len(created.BackupCodes) != 10 {
		t.Fatalf("registered = %s", res.Body)
	}
	t.Run("a registration ceremony works once", func(t *testing.T) {
		e := e.For(t)
		r := e.Do(apptest.Req{Method: "POST", Path: "/v1/me/2fa/webauthn/register/finish", Token: u.Token,
			Body: map[string]any{"name": "Again", "credential": key.create(t, o, testOrigin)}})
		if r.Status != http.StatusBadRequest || r.Code() != "code_expired" {
			t.Fatalf("second finish: %d %s", r.Status, r.Body)
		}
	})
	st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
	if list, _ := st["webauthn"].([]any); len(list) != 1 || list[0].(map[string]any)["name"] != "Laptop" {
		t.Errorf("GET /v1/me/2fa webauthn = %v", st["webauthn"])
	}

	userHandle := b64.EncodeToString([]byte(u.ID))
	// Each subtest signs in on its own, with a sign counter above any the
	// server has stored, so any one runs alone.
	var counter uint32
	next := func() uint32 { counter++; return counter }
	signIn := func(t *testing.T, e *apptest.Env) json.RawMessage {
		t.Helper()
		c := mustChallenge(t, e, u)
		if c.Methods[0] != "webauthn" {
			t.Errorf("methods = %v", c.Methods)
		}
		o := beginAssertion(t, e, c)
		a := key.get(t, o, testOrigin, next(), userHandle)
		wantSession(t, e, finishAssertion(e, c, a), "passkey assertion")
		return a
	}
	t.Run("sign-in with the passkey", func(t *testing.T) {
		e := e.For(t)
		signIn(t, e)
	})
	t.Run("a replayed assertion is refused", func(t *testing.T) {
		e := e.For(t)
		used := signIn(t, e)
		c := mustChallenge(t, e, u)
		beginAssertion(t, e, c)
		wantMFAInvalid(t, finishAssertion(e, c, used), "old assertion on a new challenge")
	})
	t.Run("an assertion whose sign counter did not advance is refused", func(t *testing.T) {
		e := e.For(t)
		signIn(t, e)
		c := mustChallenge(t, e, u)
		o := beginAssertion(t, e, c)
		wantMFAInvalid(t, finishAssertion(e, c, key.get(t, o, testOrigin, counter, userHandle)), "same counter")
	})
	t.Run("an assertion from a wrong origin is refused", func(t *testing.T) {
		e := e.For(t)
		c := mustChallenge(t, e, u)
		o := beginAssertion(t, e, c)
		wantMFAInvalid(t, finishAssertion(e, c, key.get(t, o, "https://evil.example", next(), userHandle)), "wrong origin")
		wantSession(t, e, finishAssertion(e, c, key.get(t, o, testOrigin, next(), userHandle)), "right origin after a wrong one")
	})
	t.Run("deleting the last passkey needs the password and a second factor and turns 2FA off", func(t *testing.T) {
		e := e.For(t)
		path := "/v1/me/2fa/webauthn/" + created.ID
		r := e.Do(apptest.Req{Method: "DELETE", Path: path, Token: u.Token, Body: map[string]any{"password": "Wrong-password-123"}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
		r = e.Do(apptest.Req{Method: "DELETE", Path: path, Token: u.Token, Body: map[string]any{"password": u.Password}})
		if r.Status != http.StatusUnauthorized || r.Code() != "mfa_invalid" {
			t.Fatalf("password without a second factor: %d %s, want 401 mfa_invalid", r.Status, r.Body)
		}
		e.Must(http.StatusNoContent, apptest.Req{Method: "DELETE", Path: path, Token: u.Token, Body: map[string]any{"password": u.Password, "code": created.BackupCodes[9]}})
		st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
		if st["enabled"] != false || len(st["webauthn"].([]any)) != 0 {
			t.Errorf("after delete: %v", st)
		}
		e.Login(u.Email, u.Password)
	})
}

// Two deletions racing for the last two passkeys: the factor must not stay
// on with no passkey left (each deletion re-lists inside its versioned write).
func TestConcurrentPasskeyDeletionsTurnTheFactorOff(t *testing.T) {
	e := apptest.New(t, nil)
	u := e.SignUp(nil)
	var ids, codes []string
	for _, name := range []string{"Laptop", "Phone"} {
		key := newSoftKey(t)
		o := beginRegistration(t, e, u)
		var created struct {
			ID          string   `json:"id"`
			BackupCodes []string `json:"backupCodes"`
		}
		e.Must(http.StatusCreated, apptest.Req{Method: "POST", Path: "/v1/me/2fa/webauthn/register/finish", Token: u.Token,
			Body: map[string]any{"name": name, "credential": key.create(t, o, testOrigin)}}).Decode(t, &created)
		ids = append(ids, created.ID)
		codes = append(codes, created.BackupCodes...) // the first passkey's
	}
	var wg sync.WaitGroup
	statuses := make([]int, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := e.InGoroutine()
			statuses[i] = e.Do(apptest.Req{Method: "DELETE", Path: "/v1/me/2fa/webauthn/" + id, Token: u.Token,
				Body: map[string]any{"password": u.Password, "code": codes[i]}}).Status
		}()
	}
	wg.Wait()
	st := e.Must(http.StatusOK, apptest.Req{Method: "GET", Path: "/v1/me/2fa", Token: u.Token}).JSON()
	remaining := len(st["webauthn"].([]any))
	if st["enabled"] == true && remaining == 0 {
		t.Fatalf("2FA left on with no passkey (statuses %v): %v", statuses, st)
	}
	deleted := 0
	for i, s := range statuses {
		switch s {
		case http.StatusNoContent:
			deleted++
		case http.StatusConflict:
		default:
			t.Errorf("deletion %d: status %d", i, s)
		}
	}
	// At least one deletion lands; what the answers say is what happened.
	if deleted == 0 {
		t.Fatalf("no deletion landed (statuses %v): %v", statuses, st)
	}
	if remaining != len(ids)-deleted {
		t.Errorf("%d deletions answered 204 but %d of %d passkeys remain", deleted, remaining, len(ids))
	}
	if want := remaining > 0; st["enabled"] != want {
		t.Errorf("enabled = %v with %d passkeys left, want %v", st["enabled"], remaining, want)
	}
}
