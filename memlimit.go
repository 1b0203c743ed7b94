package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryLimitShare is the part of the container's memory limit given to the
// Go heap (GOMEMLIMIT) when GOMEMLIMIT is not set: the rest is for the
// stacks, the embedded engine's SQLite caches outside the Go heap, and the
// runtime's own slack, so that the garbage collector works harder before the
// kernel's OOM killer steps in.
const memoryLimitShare = 0.9

// memoryLimitNote says what setMemoryLimit chose; run logs it.
var memoryLimitNote string

// setMemoryLimit sets the Go runtime's soft memory limit to
// memoryLimitShare of the cgroup's memory limit (the container's), unless
// GOMEMLIMIT is set in the environment (the runtime has applied it) or no
// cgroup limit is found. It returns what it chose, for the log.
func setMemoryLimit() string {
	limit, note := chooseMemoryLimit(os.Getenv("GOMEMLIMIT"), "/")
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	return note
}

// chooseMemoryLimit decides the memory limit from GOMEMLIMIT's value and the
// cgroup files under root ("/" but in tests): the limit to set (0: leave the
// runtime's) and a sentence saying why.
func chooseMemoryLimit(gomemlimit, root string) (int64, string) {
	if gomemlimit != "" {
		return 0, fmt.Sprintf("GOMEMLIMIT=%s from the environment", gomemlimit)
	}
	limit, file, err := cgroupMemoryLimit(root)
	switch {
	case err != nil:
		return 0, fmt.Sprintf("none: the cgroup memory limit could not be read (%v); set GOMEMLIMIT to choose one", err)
	case limit == 0:
		return 0, "none: no cgroup memory limit (set GOMEMLIMIT to choose one)"
	}
	set := int64(float64(limit) * memoryLimitShare)
	return set, fmt.Sprintf("GOMEMLIMIT %s: %.0f%% of the cgroup's limit %s (%s)", bytesText(set), memoryLimitShare*100, bytesText(int64(limit)), file)
}

// cgroupMemoryLimit returns the memory limit of this process's cgroup, and
// the file it was read from: cgroup v2's memory.max, else cgroup v1's
// memory.limit_in_bytes, the smallest along the cgroup's path up to the
// hierarchy's root (a parent's limit holds for its children). 0 means no
// limit. The cgroup comes from /proc/self/cgroup and the hierarchies' mount
// points and roots from /proc/self/mountinfo, all under root.
func cgroupMemoryLimit(root string) (uint64, string, error) {
	groups, err := readCgroups(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) { // not Linux, or no /proc
			return 0, "", nil
		}
		return 0, "", err
	}
	mounts, err := readCgroupMounts(filepath.Join(root, "proc/self/mountinfo"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, "", err
	}
	type hierarchy struct{ group, mountKey, file string }
	for _, h := range []hierarchy{{groups.v2, "cgroup2", "memory.max"}, {groups.v1memory, "memory", "memory.limit_in_bytes"}} {
		if h.group == "" {
			continue
		}
		m, ok := mounts[h.mountKey]
		if !ok { // the usual mount points
			m = cgroupMount{point: "/sys/fs/cgroup", root: "/"}
			if h.mountKey == "memory" {
				m.point = "/sys/fs/cgroup/memory"
			}
		}
		limit, file, found, err := smallestLimit(root, m, h.group, h.file)
		if err != nil {
			return 0, "", err
		}
		if found {
			return limit, file, nil
		}
	}
	return 0, "", nil
}

// cgroups are this process's cgroups: the v2 (unified) one and the v1 memory
// controller's, "" when absent.
type cgroups struct{ v2, v1memory string }

// readCgroups reads /proc/self/cgroup: lines "id:controllers:path", where
// cgroup v2's has id 0 and no controllers.
func readCgroups(name string) (cgroups, error) {
	var g cgroups
	f, err := os.Open(name)
	if err != nil {
		return g, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			g.v2 = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				g.v1memory = parts[2]
			}
		}
	}
	return g, sc.Err()
}

// cgroupMount is where a cgroup hierarchy is mounted, and which of its
// cgroups is the mount's root (not "/" inside some containers).
type cgroupMount struct{ point, root string }

// readCgroupMounts reads /proc/self/mountinfo for the cgroup v2 hierarchy
// (key "cgroup2") and cgroup v1's memory controller (key "memory"). A line
// is "id parent major:minor root mountpoint options [optional...] - fstype
// source superoptions".
func readCgroupMounts(name string) (map[string]cgroupMount, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]cgroupMount{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 1 {
			continue
		}
		m := cgroupMount{point: unescapeMount(fields[4]), root: unescapeMount(fields[3])}
		switch tail[0] {
		case "cgroup2":
			if _, seen := out["cgroup2"]; !seen {
				out["cgroup2"] = m
			}
		case "cgroup":
			if len(tail) < 3 {
				continue
			}
			for _, o := range strings.Split(tail[2], ",") {
				if _, seen := out["memory"]; o == "memory" && !seen {
					out["memory"] = m
				}
			}
		}
	}
	return out, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 is a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// smallestLimit reads the limit file of group and of each parent up to the
// mount's root, and returns the smallest limit set (0 for none), the file it
// came from, and whether any limit file was found at all.
func smallestLimit(root string, m cgroupMount, group, file string) (uint64, string, bool, error) {
	rel := path.Clean("/" + group)
	if r := path.Clean("/" + m.root); r != "/" {
		if rel == r || strings.HasPrefix(rel, r+"/") {
			rel = path.Clean("/" + strings.TrimPrefix(rel, r))
		} else {
			rel = "/" // the process's cgroup is not under this mount: its root is all we see
		}
	}
	var best uint64
	var bestFile string
	found := false
	for dir := rel; ; dir = path.Dir(dir) {
		name := filepath.Join(root, m.point, dir, file)
		limit, ok, err := readLimit(name)
		if err != nil {
			return 0, "", false, err
		}
		if ok {
			found = true
			if limit > 0 && (best == 0 || limit < best) {
				best, bestFile = limit, filepath.Join(m.point, dir, file)
			}
		}
		if dir == "/" {
			break
		}
	}
	return best, bestFile, found, nil
}

// noLimitAbove is where a cgroup v1 limit means "none": the kernel writes
// the largest page-aligned int64 (9223372036854771712).
const noLimitAbove = 1 << 62

// readLimit reads a memory.max or memory.limit_in_bytes file: "max" or a
// huge value is no limit (0). ok is false when the file does not exist.
func readLimit(name string) (limit uint64, ok bool, err error) {
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return 0, true, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %q is not a number of bytes", name, s)
	}
	if n >= noLimitAbove {
		return 0, true, nil
	}
	return n, true, nil
}

// bytesText writes a size in MiB or GiB.
func bytesText(n int64) string {
	if n >= 1<<30 {
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 0, 64) + " MiB"
}
