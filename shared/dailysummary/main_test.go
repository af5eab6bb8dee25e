package dailysummary_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/example/myprofile/infra/localcloud/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
