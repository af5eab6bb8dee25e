package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/example/myprofile/shared/app"
	"github.com/example/myprofile/shared/request"
)

func TestLogFormat(t *testing.T) {
	for _, tt := range []struct {
		format, want string
	}{
		{"text", `level=INFO msg=sign-in requestId=req-1`},
		{"json", `"msg":"sign-in","requestId":"req-1"`},
		{"", `"msg":"sign-in","requestId":"req-1"`},
	} {
		t.Run("format "+tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			log := app.NewFormatLogger(&buf, "info", tt.format)
			log.InfoContext(request.WithID(context.Background(), "req-1"), "sign-in")
			if !strings.Contains(buf.String(), tt.want) {
				t.Errorf("got %q, want it to contain %q", buf.String(), tt.want)
			}
		})
	}
}
