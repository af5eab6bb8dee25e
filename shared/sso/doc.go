// Package sso is single sign-on with OpenID Connect per organization.
//
// Owners configure an issuer, a client id and secret (sealed with the
// stack's data key, never returned or logged) and the email domains it
// covers; each domain is proven by a DNS TXT record
// (_myprofile-challenge.<domain>) and can be verified by one organization
// only. Sign-in is the authorization code flow with PKCE (S256): Start
// stores the state (hashed), nonce and verifier for FlowTTL; Callback takes
// them once, exchanges the code (golang.org/x/oauth2) and verifies the ID
// token with github.com/coreos/go-oidc/v3 (keys, iss, aud, exp, nonce).
// A verified address in a verified domain signs in: unknown addresses get
// an SSO-managed account (role user, no password) just in time; members are
// linked and, with Enforce, made SSO-managed (owners keep a break-glass
// password unless OwnerPasswordDisabled). Accounts outside the organization
// are never linked. No second factor of ours follows: the provider owns MFA.
//
// Enforce takes effect per member at that member's next sign-in through the
// provider, not when it is turned on: a member becomes SSO-managed only once
// the provider has vouched for the address, so turning it on cannot lock out
// members the provider does not know; until then their password works
// (remove a member to cut them off). Configure therefore writes only the
// configuration, and Callback (account) marks the member.
//
// The configuration routes are served by the profile function, the
// sign-in routes by the auth function (see ConfigRoutes, SignInRoutes).
// SAML 2.0 and SCIM are not supported; a SAML provider would be another
// Config kind beside the OIDC one, SCIM another route set on the same
// domain ownership.
package sso
