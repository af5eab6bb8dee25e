// Package prefs holds the notification preferences (GET and PUT
// /v1/me/notifications, function `profile`): for every platform (web,
// mobile) and category (messages, mentions, ...), which channels (in-app,
// email, push, SMS) the user wants. Every platform x category x channel cell
// has a default, the one api/openapi.yaml's NotificationPreferences
// `default` states (TestDefaultsMatchTheAPIDocument compares them): the
// high-volume categories (messages, tasks, opportunities) are not emailed
// unless the user turns them on. Stored documents keep only the full matrix. Other
// capabilities ask Allowed before sending. Its storage is store/prefsdb.
package prefs
