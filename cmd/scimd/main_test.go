package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// asScimd, set in a test binary's environment, makes it run main instead
// of the tests: the subprocesses of scimdProcess are scimd itself, with
// real exit statuses and everything serve writes to stderr.
const asScimd = "SCIMD_TEST_AS_SCIMD"

func TestMain(m *testing.M) {
	if os.Getenv(asScimd) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// scimdProcess returns the command that runs scimd with args as a
// subprocess, ended when ctx is. SCIMD_* settings of the environment are
// left out, so that only args configure it.
func scimdProcess(t *testing.T, ctx context.Context, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SCIMD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, asScimd+"=1")
	return cmd
}

// scimd runs a command line in-process, as main does, and returns what it
// wrote and its exit status.
func scimd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// lastLine returns the last line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
