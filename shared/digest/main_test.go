package digest_test

import (
	"testing"

	"github.com/example/myprofile/shared/localcloud/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
