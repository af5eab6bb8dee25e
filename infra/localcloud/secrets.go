package localcloud

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// SecretsEndpoint is an http.Handler that speaks Secrets Manager's
// GetSecretValue the way the AWS SDK for Go v2 sends it (JSON 1.1, SigV4
// signed) and answers from the secrets it holds, counting the reads. It is
// what tests point AWS_ENDPOINT_URL_SECRETS_MANAGER at: the functions only
// ever read one secret (package datakey), and no emulator of Secrets
// Manager is among the project's local parts. Any other action, or an
// unsigned request, is refused.
type SecretsEndpoint struct {
	mu      sync.Mutex
	secrets map[string]string
	reads   int
}

// Put stores (or replaces) the SecretString of the secret named id.
func (e *SecretsEndpoint) Put(id, value string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.secrets == nil {
		e.secrets = map[string]string{}
	}
	e.secrets[id] = value
}

// Reads is how many GetSecretValue requests were answered.
func (e *SecretsEndpoint) Reads() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reads
}

func (e *SecretsEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		fail(http.StatusBadRequest, "MissingAuthenticationTokenException", "Request is missing a SigV4 signature.")
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
		fail(http.StatusBadRequest, "InvalidAction", "Only GetSecretValue is supported here.")
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil || in.SecretId == "" {
		fail(http.StatusBadRequest, "InvalidParameterException", "SecretId is required.")
		return
	}
	e.mu.Lock()
	e.reads++
	v, ok := e.secrets[in.SecretId]
	e.mu.Unlock()
	if !ok {
		fail(http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"ARN":          "arn:aws:secretsmanager:us-east-1:000000000000:secret:" + in.SecretId + "-AbCdEf",
		"Name":         in.SecretId,
		"SecretString": v,
		"VersionId":    "00000000-0000-0000-0000-000000000001",
	})
}
