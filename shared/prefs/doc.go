// Package prefs holds the notification preferences (GET and PUT
// /v1/me/notifications, function `profile`): for every platform (web,
// mobile) and category (messages, mentions, ...), which channels (in-app,
// email, push, SMS) the user wants. Every platform x category x channel cell
// has a default; stored documents keep only the full matrix. Other
// capabilities ask Allowed before sending. Its storage is store/prefsdb.
package prefs
