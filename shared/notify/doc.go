// Package notify is how capabilities send email and SMS (Mailer, Texter)
// and renders the messages from per-language templates (English and
// Spanish; each capability keeps its own texts beside its code). The senders
// that talk to AWS are its subpackages sesmail (SES v2, SENDER_EMAIL,
// SES_CONFIGURATION_SET) and snssms (SNS, SMS_SENDER_ID), so a function
// links only the one it uses. Locally the mail goes to the SES emulator and
// the SMS to a recorder (docs/local.md). Whether a user wants a message on
// a channel is package prefs' Allowed.
package notify
