package contract_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/myprofile/api"
	"github.com/example/myprofile/api/contract"
)

// Pinned generators: oapi-codegen here (go run), openapi-typescript,
// openapi-fetch and typescript in package.json.
const (
	oapiCodegen    = "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.5.1"
	oapiRuntime    = "github.com/oapi-codegen/runtime v1.1.2"
	repoFromHere   = "../.."
	nodeModulesVar = "CONTRACT_NODE_MODULES" // another node_modules with the tools (default: the repository's)
)

func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The Go client generated from api/openapi.yaml sends sign-up, GET /v1/me
// and a merge patch of /v1/me with typed values only.
func TestGeneratedGoClientCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and builds a client")
	}
	spec, err := contract.Downgrade(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "spec30.yaml"), string(spec))
	write(t, filepath.Join(dir, "cfg.yaml"), "package: apiclient\ngenerate:\n  client: true\n  models: true\noutput: apiclient/client.gen.go\n")
	if err := os.MkdirAll(filepath.Join(dir, "apiclient"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, "go", "run", oapiCodegen, "-config", "cfg.yaml", "spec30.yaml")
	write(t, filepath.Join(dir, "go.mod"), "module contractcheck\n\ngo 1.24\n\nrequire "+oapiRuntime+"\n")
	write(t, filepath.Join(dir, "main.go"), `package main

import (
	"context"
	"fmt"
	"net/http"

	"contractcheck/apiclient"
)

func main() {
	ctx := context.Background()
	c, err := apiclient.NewClientWithResponses("http://127.0.0.1:8080")
	if err != nil {
		panic(err)
	}
	tz := "Europe/Madrid"
	up, err := c.SignupWithResponse(ctx, apiclient.SignupJSONRequestBody{
		Email: "ada@example.com", Password: "Correct-Horse-42-battery", FirstName: "Ada", LastName: "Lovelace", Timezone: &tz,
	})
	if err != nil || up.StatusCode() != 202 {
		panic(err)
	}
	// The code mailed to the address confirms the sign-up.
	in, err := c.ConfirmSignupWithResponse(ctx, apiclient.ConfirmSignupJSONRequestBody{Email: "ada@example.com", Code: "123456"})
	if err != nil || in.JSON201 == nil {
		panic(err)
	}
	token := in.JSON201.Session.Token
	auth := func(ctx context.Context, r *http.Request) error { r.Header.Set("Authorization", "Bearer "+token); return nil }
	me, err := c.GetMeWithResponse(ctx, &apiclient.GetMeParams{}, apiclient.RequestEditorFn(auth))
	if err != nil || me.JSON200 == nil {
		panic(err)
	}
	fmt.Println(me.JSON200.Email, me.JSON200.DisplayName)
	display := "Ada L."
	enabled := true
	ifMatch := me.HTTPResponse.Header.Get("ETag")
	_, err = c.PatchMeWithResponse(ctx, &apiclient.PatchMeParams{IfMatch: &ifMatch}, apiclient.PatchMeJSONRequestBody{
		DisplayName: &display,
		DailySummary: &struct {
			Enabled *bool   `+"`json:\"enabled\"`"+`
			Time    *string `+"`json:\"time\"`"+`
		}{Enabled: &enabled},
	}, apiclient.RequestEditorFn(auth))
	if err != nil {
		panic(err)
	}
}
`)
	env := []string{"GOWORK=off", "GOFLAGS=-mod=mod"}
	run(t, dir, env, "go", "mod", "tidy")
	run(t, dir, env, "go", "build", "-o", os.DevNull, ".")
}

// The TypeScript types openapi-typescript generates from api/openapi.yaml
// type a program (openapi-fetch) that signs up, reads and patches /v1/me
// without a cast; tsc --strict compiles it.
func TestGeneratedTypeScriptClientCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and compiles a client")
	}
	root, err := filepath.Abs(repoFromHere)
	if err != nil {
		t.Fatal(err)
	}
	nm := os.Getenv(nodeModulesVar)
	if nm == "" {
		nm = filepath.Join(root, "node_modules")
	}
	for _, tool := range []string{".bin/openapi-typescript", ".bin/tsc", "openapi-fetch/package.json"} {
		if _, err := os.Stat(filepath.Join(nm, tool)); err != nil {
			t.Fatalf("%s is not installed (make deps installs package.json's dev tools): %v", tool, err)
		}
	}
	dir := t.TempDir()
	if err := os.Symlink(nm, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, filepath.Join(nm, ".bin/openapi-typescript"), filepath.Join(root, "api", "openapi.yaml"), "-o", "schema.d.ts")
	write(t, filepath.Join(dir, "tsconfig.json"), `{"compilerOptions": {"strict": true, "noEmit": true, "target": "es2022",
  "module": "esnext", "moduleResolution": "bundler", "lib": ["es2022", "dom"], "skipLibCheck": true}, "files": ["main.ts"]}`)
	write(t, filepath.Join(dir, "main.ts"), `import createClient from "openapi-fetch";
import type { paths } from "./schema";

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

export async function main(): Promise<void> {
  const up = await client.POST("/v1/auth/signup", {
    body: { email: "ada@example.com", password: "Correct-Horse-42-battery", firstName: "Ada", lastName: "Lovelace" },
  });
  if (!up.data) throw new Error("sign-up failed");
  // The code mailed to the address confirms the sign-up.
  const confirmed = await client.POST("/v1/auth/signup/confirm", { body: { email: "ada@example.com", code: "123456" } });
  if (!confirmed.data) throw new Error("confirmation failed");
  const headers = { authorization: "Bearer " + confirmed.data.session.token };
  const me = await client.GET("/v1/me", { headers });
  if (!me.data) throw new Error("GET /v1/me failed");
  const etag = me.response.headers.get("etag") ?? "";
  const patched = await client.PATCH("/v1/me", {
    headers: { ...headers, "if-match": etag },
    body: { displayName: "Ada L.", region: null, dailySummary: { enabled: true, time: "07:30" } },
  });
  const name: string | undefined = patched.data?.displayName;
  console.log(me.data.email, name);
}
`)
	run(t, dir, nil, filepath.Join(nm, ".bin/tsc"), "-p", ".")
}
