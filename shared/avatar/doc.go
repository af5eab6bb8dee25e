// Package avatar is the profile picture. POST /v1/me/avatar (function
// `profile`) returns a presigned POST that lets the client upload straight
// to `uploads/` in the private uploads bucket (PNG or JPEG, at most 2 MB,
// for 5 minutes); DELETE /v1/me/avatar removes the picture. The bucket's
// object-created event runs Processor (function `avatar`), which checks the
// real type from the bytes, crops a centered square, stores 512 and 128
// pixel renditions under the user's prefix in `avatars/` and sets avatarUrl.
// Renditions are public through CloudFront only (AVATAR_BASE_URL); raw
// uploads expire after a day. Locally, make run starts an S3 emulator and
// runs the avatar function on each upload (docs/local.md).
package avatar
