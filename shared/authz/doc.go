// Package authz answers one question for every route that touches another
// user's data: may actor A do X to subject B in organization O? Can is that
// one role matrix over the roles owner, admin and user and the actions
// (view or edit a profile, list members, invite, change a role, read the
// organization's audit log); nothing else in the code base compares roles.
package authz
