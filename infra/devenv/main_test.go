package main

import (
	"os/exec"
	"testing"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		cmd  []string
		want int
	}{
		{"success", []string{"true"}, 0},
		{"exit status is passed on", []string{"sh", "-c", "exit 3"}, 3},
		{"death by signal is 128+n", []string{"sh", "-c", "kill -TERM $$"}, 143},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(exec.Command(tt.cmd[0], tt.cmd[1:]...).Run()); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
