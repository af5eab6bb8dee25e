package main

import (
	"html/template"
	"net/http"
	"os"
	"path/filepath"

	"github.com/example/myprofile/shared/httpapi"
)

// swaggerUIFiles are the files of the npm package swagger-ui-dist (pinned
// in package.json) that /docs needs, served from node_modules: no CDN.
var swaggerUIFiles = map[string]string{
	"swagger-ui.css":                  "text/css; charset=utf-8",
	"swagger-ui-bundle.js":            "text/javascript; charset=utf-8",
	"swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
	"favicon-32x32.png":               "image/png",
}

// swaggerUIDir is node_modules/swagger-ui-dist, or SWAGGER_UI_DIST.
func swaggerUIDir(root string, getenv func(string) string) string {
	if d := getenv("SWAGGER_UI_DIST"); d != "" {
		return d
	}
	return filepath.Join(root, "node_modules", "swagger-ui-dist")
}

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>My Profile API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/docs/assets/favicon-32x32.png">
{{if .Assets}}<link rel="stylesheet" href="/docs/assets/swagger-ui.css">{{end}}
</head><body>
{{if .Assets}}<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/openapi.yaml", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "BaseLayout"});
</script>
{{else}}<h1>My Profile API reference</h1>
<p>The renderer (npm package swagger-ui-dist) is not installed: run <code>make deps</code>.
The description itself is at <a href="/openapi.yaml">/openapi.yaml</a>.</p>{{end}}
<p style="font-family:sans-serif;margin:1em">Error codes: {{range .Codes}}<a href="/problems/{{.}}">{{.}}</a> {{end}}</p>
</body></html>
`))

var problemPage = template.Must(template.New("problem").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Code}}: {{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em;line-height:1.5}code{background:#f3f3f3;padding:0 .2em}</style>
</head><body>
<p><a href="/docs">API reference</a> · <a href="/problems/">all error codes</a></p>
<h1><code>{{.Code}}</code>: {{.Title}}</h1>
<p>HTTP status <strong>{{.Status}}</strong>. The body is an RFC 9457 problem (<code>application/problem+json</code>)
whose <code>code</code> is <code>{{.Code}}</code> and whose <code>type</code> is this page.</p>
<h2>Meaning</h2><p>{{.Meaning}}</p>
<h2>Typical causes</h2><ul>{{range .Causes}}<li>{{.}}</li>{{end}}</ul>
<h2>What the client should do</h2><p>{{.Action}}</p>
<p>Quote the <code>X-Request-Id</code> header of the answer when you ask for help.</p>
</body></html>
`))

var problemIndex = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error codes</title>
<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em}</style></head><body>
<p><a href="/docs">API reference</a></p><h1>Error codes</h1>
<table>{{range .}}<tr><td><a href="/problems/{{.Code}}"><code>{{.Code}}</code></a></td><td>{{.Status}}</td><td>{{.Title}}</td></tr>{{end}}</table>
</body></html>
`))

type problemView struct {
	problemDoc
	Code, Title string
	Status      int
}

func problemViews() []problemView {
	var out []problemView
	for _, c := range httpapi.Codes() {
		out = append(out, problemView{problemDoc: problemDocs[c], Code: c, Title: httpapi.Title(c), Status: httpapi.Status(c)})
	}
	return out
}

// docsRoutes serve the API reference (/docs, rendered by Swagger UI from
// /openapi.yaml) and a page per error code (/problems/<code>, the default
// problem `type`). uiDir holds swagger-ui-dist.
func docsRoutes(uiDir string) map[string]http.Handler {
	html := func(w http.ResponseWriter, t *template.Template, data any) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := t.Execute(w, data); err != nil {
			http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
		}
	}
	return map[string]http.Handler{
		"GET /docs": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := os.Stat(filepath.Join(uiDir, "swagger-ui-bundle.js"))
			html(w, docsPage, map[string]any{"Assets": err == nil, "Codes": httpapi.Codes()})
		}),
		"GET /docs/assets/{file}": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name := r.PathValue("file")
			ct, ok := swaggerUIFiles[name]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", ct)
			http.ServeFile(w, r, filepath.Join(uiDir, name))
		}),
		"GET /problems/": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			html(w, problemIndex, problemViews())
		}),
		"GET /problems/{code}": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			code := r.PathValue("code")
			for _, v := range problemViews() {
				if v.Code == code {
					html(w, problemPage, v)
					return
				}
			}
			http.NotFound(w, r)
		}),
	}
}

// problemDoc explains one error code.
type problemDoc struct {
	Meaning template.HTML
	Causes  []template.HTML
	Action  template.HTML
}

// problemDocs has an entry for every code of the error table (a test checks).
var problemDocs = map[string]problemDoc{
	"validation_failed": {"The request was understood but some of its content is not acceptable.",
		[]template.HTML{"A field is missing, too long, of the wrong type or format", "An unknown field in the JSON body", "A body that is not JSON"},
		"Show the messages of <code>errors</code> next to their fields (each names a field path) and let the user fix them; do not retry unchanged."},
	"unauthenticated": {"The request needs a signed-in session and has none that is valid.",
		[]template.HTML{"No <code>Authorization: Bearer</code> header", "The session expired (idle or absolute lifetime) or was revoked (sign-out, password change, revoked elsewhere)"},
		"Send the user to sign in again, then repeat the request with the new token."},
	"invalid_credentials": {"The email and password (or passkey) did not match an account.",
		[]template.HTML{"A mistyped password or email", "A passkey assertion that is not valid any more"},
		"Say that the email or password is wrong, without telling which; offer password recovery. Repeated failures lead to <code>too_many_attempts</code>."},
	"forbidden": {"The caller is signed in but may not do this.",
		[]template.HTML{"A role below what the action needs (a user managing staff, an admin changing an owner)", "An organization the caller is not a member of"},
		"Hide or disable the action for this user; do not retry."},
	"not_found": {"What the request names does not exist, or is not visible to the caller.",
		[]template.HTML{"A wrong or deleted id", "A route that does not exist"},
		"Refresh the view; the item is gone or was never visible to this user."},
	"method_not_allowed": {"The route exists but not with this HTTP method.",
		[]template.HTML{"A client calling an old or mistyped operation"},
		"Fix the client to use the method the API reference lists."},
	"conflict": {"The request conflicts with the current state.",
		[]template.HTML{"Something already exists or was already done (a membership, a confirmed factor)", "Two changes raced"},
		"Reload the current state and decide again with the user."},
	"email_taken": {"Another account uses this email address.",
		[]template.HTML{"Signing up or changing the email to an address already registered"},
		"Offer to sign in or to recover the password of that account instead."},
	"sso_managed": {"The account's identity provider manages this setting.",
		[]template.HTML{"Changing the password or email of an account that signs in with single sign-on"},
		"Tell the user to change it at their organization's identity provider."},
	"sole_owner": {"The organization would be left without an owner.",
		[]template.HTML{"The last owner leaving, deleting the account or being demoted"},
		"Ask the user to make someone else owner first."},
	"precondition_failed": {"The resource changed since the client read it: the <code>If-Match</code> ETag does not match.",
		[]template.HTML{"Another tab, device or person saved a change in between"},
		"GET the resource again (new ETag), show the user the current values, and apply the change again on them."},
	"precondition_required": {"This change needs an <code>If-Match</code> header with the resource's ETag.",
		[]template.HTML{"A PATCH or PUT sent without <code>If-Match</code>"},
		"Send the ETag from the last GET in <code>If-Match</code>."},
	"payload_too_large": {"The body is larger than the route accepts.",
		[]template.HTML{"An oversized JSON body or upload"},
		"Send less (a smaller picture, shorter text); the limit is in the API reference."},
	"unsupported_media_type": {"The body's content type is not one the route accepts.",
		[]template.HTML{"A missing or wrong <code>Content-Type</code> (the API takes <code>application/json</code>, PATCH /v1/me also <code>application/merge-patch+json</code>)"},
		"Set the content type the API reference lists."},
	"code_invalid": {"The code or token sent is not the one expected.",
		[]template.HTML{"A mistyped code", "A code already used or replaced by a newer one", "An unknown invitation token"},
		"Let the user type it again or ask for a new code; after several failures the code is locked (<code>too_many_attempts</code>)."},
	"code_expired": {"The code or token was right but is too old.",
		[]template.HTML{"An emailed or texted code used after its lifetime", "An invitation older than 7 days"},
		"Ask for a new code (or invitation) and use it promptly."},
	"invitation_void": {"The invitation can no longer be accepted: whoever sent it may no longer invite with this role.",
		[]template.HTML{"The inviter left the organization or lost the role that allowed the invitation", "The invitation was revoked"},
		"Ask someone who can invite (an admin or owner) for a new invitation."},
	"too_many_attempts": {"Too many wrong attempts: the action is locked for a while.",
		[]template.HTML{"Repeated wrong passwords or codes"},
		"Wait the <code>Retry-After</code> seconds before trying again; tell the user when they can retry."},
	"rate_limited": {"Too many requests in a short time.",
		[]template.HTML{"A client retrying in a loop", "Many code messages requested for one number or account"},
		"Wait the <code>Retry-After</code> seconds; back off exponentially on repeated answers."},
	"mfa_invalid": {"The second factor (authenticator code, SMS code, backup code or passkey) was wrong or missing.",
		[]template.HTML{"A mistyped or expired authenticator code", "An action that needs the second factor sent without it"},
		"Ask for a current code from the user's second factor and send it again."},
	"service_unavailable": {"A service the API depends on is temporarily unavailable.",
		[]template.HTML{"A dependency (mail, text messages, storage) failing or throttling"},
		"Retry later, after <code>Retry-After</code> when given, with exponential backoff."},
	"internal": {"Something went wrong on the server side; nothing the client did.",
		[]template.HTML{"A bug or an unexpected failure"},
		"Retry later; if it persists, contact support quoting the <code>X-Request-Id</code>."},
}

// problemDocsMissing lists codes of the error table without a page.
func problemDocsMissing() []string {
	var out []string
	for _, c := range httpapi.Codes() {
		if d, ok := problemDocs[c]; !ok || d.Meaning == "" || len(d.Causes) == 0 || d.Action == "" {
			out = append(out, c)
		}
	}
	return out
}
