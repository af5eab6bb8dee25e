package profile

// For the end-to-end tests (package profile_test): the XSS corpus and the
// check of what must never survive sanitizing.
var (
	XSSCorpus = xssCorpus
	Dangerous = dangerous
)
