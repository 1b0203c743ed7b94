package main

// The serve part of `jamsostek bench`: how long `jamsostek serve` takes,
// from its start, to answer a coverage figure from the rollup of a filled
// database, and how much memory it holds then.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// benchServeReady starts this binary's serve on the embedded engine's
// dataDir (database db; no other process may hold it), with no worker, and
// measures the time until it answers universalCoverage of year with a rate,
// and its resident memory then (VmRSS, and the peak VmHWM).
func benchServeReady(ctx context.Context, dataDir, db string, year int, progress io.Writer) ([]benchFigure, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	admin := "bench-admin-" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--database", db,
		"--feed-base-url", "", "--feeds-config", "", "--admin-key", admin, "--log-format", "json", "--rate-limit", "off")
	cmd.Env = benchServeEnv()
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 20 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	addrc := make(chan string, 1)
	go func() { // the address from the listening line; the rest of the log is read and dropped
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "GraphQL API listening" {
				addrc <- line.Addr
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case <-ctx.Done():
		return nil, fmt.Errorf("serve did not listen within 2 minutes")
	}
	listening := time.Since(start)
	url := "http://" + addr + "/query"
	at, err := benchAnswered(ctx, url, admin, fmt.Sprintf(`{"query":"{ universalCoverage(year: %d) { current { rate participants } } }"}`, year),
		`"participants"`, "the coverage rate")
	if err != nil {
		return nil, err
	}
	ready := at.Sub(start)
	rss, hwm := procMemory(cmd.Process.Pid)
	// The record lists answer once the record index is loaded (in the
	// background on the embedded engine).
	at, err = benchAnswered(ctx, url, admin, `{"query":"{ contributions(first: 1, filter: {unpaid: true}) { totalCount } }"}`,
		`"totalCount"`, "a record list")
	if err != nil {
		return nil, err
	}
	listed := at.Sub(start)
	rss2, hwm2 := procMemory(cmd.Process.Pid)
	fmt.Fprintf(progress, "serve: listening after %s, answered universalCoverage(year: %d) after %s; resident %s MiB (peak %s MiB); "+
		"first record list (record index loaded) after %s, resident %s MiB (peak %s MiB)\n",
		listening.Round(time.Millisecond), year, ready.Round(time.Millisecond), fmtNum(rss), fmtNum(hwm),
		listed.Round(time.Millisecond), fmtNum(rss2), fmtNum(hwm2))
	return []benchFigure{
		{Section: "serve", Name: "start to the first coverage answer (rollup loaded; the record lists follow)", Value: ready.Seconds(), Unit: "s",
			Target: "< 5 s", Met: met(ready < 5*time.Second)},
		{Section: "serve", Name: "start to listening", Value: listening.Seconds(), Unit: "s"},
		{Section: "serve", Name: "resident memory when ready (VmRSS)", Value: rss, Unit: "MiB"},
		{Section: "serve", Name: "peak resident memory until ready (VmHWM)", Value: hwm, Unit: "MiB"},
		{Section: "serve", Name: "start to the first record list (record index loaded)", Value: listed.Seconds(), Unit: "s"},
		{Section: "serve", Name: "resident memory with the record index (VmRSS)", Value: rss2, Unit: "MiB"},
	}, nil
}

// benchAnswered asks query at url until an answer holds want, and returns
// when one did; what names the question in the error when ctx ends first.
func benchAnswered(ctx context.Context, url, key, query, want, what string) (time.Time, error) {
	for {
		if b, err := benchPost(ctx, http.DefaultClient, url, key, []byte(query)); err == nil && strings.Contains(string(b), want) {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("serve did not answer %s within 2 minutes", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// benchServeEnv is this process's environment without the variables that
// would change what the measured serve does (feeds, database, ops listener).
func benchServeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "MONGODB_URI" || strings.HasPrefix(name, "JAMSOSTEK_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// procMemory reads a process's resident memory and its peak, in MiB, from
// /proc (0 where there is none, e.g. not Linux).
func procMemory(pid int) (rss, hwm float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) < 1 {
			continue
		}
		kb, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}
