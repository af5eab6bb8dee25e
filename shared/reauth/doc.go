// Package reauth re-checks the current password before a credential change
// (password, email, phone, 2FA, account deletion): every such route calls
// Checker.Check first. Failures are counted per user and limited like
// sign-in; SSO-managed users get 409 sso_managed with the idpUrl of their
// identity provider.
package reauth
