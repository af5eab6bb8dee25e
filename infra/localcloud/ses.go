package localcloud

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// SESBin is the SES v2 emulator's launcher, relative to the repo root.
const SESBin = "node_modules/.bin/aws-ses-v2-local"

// StartSES starts the aws-ses-v2-local emulator on 127.0.0.1 and waits until
// GET /store answers. Its web page (/) shows the mail sent. The process lives
// until Stop; ctx bounds the start only.
func StartSES(ctx context.Context, o Options) (*Service, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("node not found on PATH (the SES emulator needs Node.js): %w", ErrNotInstalled)
	}
	root, err := o.root()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(root, SESBin)
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("SES emulator not found at %s: %w", bin, ErrNotInstalled)
	}
	port, err := listenPort(o.Port)
	if err != nil {
		return nil, fmt.Errorf("ses: %w", err)
	}
	p, err := startProcess("SES emulator", o, root, bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := p.waitHTTP(ctx, endpoint+"/store", o.startTimeout()); err != nil {
		p.stop()
		return nil, err
	}
	return &Service{Name: "ses", Endpoint: endpoint, stop: p.stop}, nil
}
