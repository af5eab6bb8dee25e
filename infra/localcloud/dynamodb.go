package localcloud

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// DynamoDBJar is where npm installs DynamoDB Local, relative to the repo root.
const DynamoDBJar = "node_modules/amplify-dynamodb-simulator/emulator/DynamoDBLocal.jar"

// StartDynamoDB starts Amazon's DynamoDB Local with -sharedDb on 127.0.0.1
// (in memory, or in o.DataDir) and waits until it answers. The process lives
// until Stop, not until ctx ends; ctx bounds the start only.
//
// DynamoDB Local has no option for the listen address: it listens on every
// interface of the machine on the chosen port.
func StartDynamoDB(ctx context.Context, o Options) (*Service, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("java not found on PATH (DynamoDB Local needs Java 17): %w", ErrNotInstalled)
	}
	root, err := o.root()
	if err != nil {
		return nil, err
	}
	jar := filepath.Join(root, DynamoDBJar)
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("DynamoDB Local not found at %s: %w", jar, ErrNotInstalled)
	}
	port, err := listenPort(o.Port)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: %w", err)
	}
	dir := filepath.Dir(jar)
	args := []string{
		"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"),
		// A small heap is plenty for tests and keeps several instances cheap.
		"-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-jar", jar,
		"-sharedDb", "-disableTelemetry",
		"-port", strconv.Itoa(port),
	}
	if o.DataDir != "" {
		data, err := filepath.Abs(o.DataDir)
		if err != nil {
			return nil, fmt.Errorf("dynamodb data dir: %w", err)
		}
		if err := os.MkdirAll(data, 0o755); err != nil {
			return nil, fmt.Errorf("dynamodb data dir: %w", err)
		}
		args = append(args, "-dbPath", data)
	} else {
		args = append(args, "-inMemory")
	}
	p, err := startProcess("DynamoDB Local", o, dir, java, args...)
	if err != nil {
		return nil, err
	}
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := p.waitHTTP(ctx, endpoint+"/", o.startTimeout()); err != nil {
		p.stop()
		return nil, err
	}
	return &Service{Name: "dynamodb", Endpoint: endpoint, stop: p.stop}, nil
}
