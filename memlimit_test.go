package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChooseMemoryLimit builds the /proc and /sys/fs/cgroup files of cgroup
// v2, v1 and hybrid hosts in a directory and checks the limit chosen from
// them: 90 % of the smallest limit along the process's cgroup path, none
// when unlimited, and GOMEMLIMIT from the environment always wins.
func TestChooseMemoryLimit(t *testing.T) {
	const mib = 1 << 20
	const v2mount = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
	for _, tc := range []struct {
		name       string
		env        string
		files      map[string]string
		want       int64  // bytes set; 0 none
		wantInNote string // in the note
	}{
		{
			name: "v2, the smallest limit up the path",
			files: map[string]string{
				"proc/self/cgroup":                           "0::/kubepods/pod1/ctr\n",
				"proc/self/mountinfo":                        "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n" + v2mount,
				"sys/fs/cgroup/kubepods/pod1/ctr/memory.max": "max\n",
				"sys/fs/cgroup/kubepods/pod1/memory.max":     "536870912\n",
				"sys/fs/cgroup/kubepods/memory.max":          "1073741824\n",
			},
			want:       512 * mib * 9 / 10,
			wantInNote: "90% of the cgroup's limit 512 MiB (/sys/fs/cgroup/kubepods/pod1/memory.max)",
		},
		{
			name: "v2, a parent's limit smaller than the child's",
			files: map[string]string{
				"proc/self/cgroup":    "0::/system.slice/jamsostek.service\n",
				"proc/self/mountinfo": v2mount,
				"sys/fs/cgroup/system.slice/jamsostek.service/memory.max": "2147483648\n",
				"sys/fs/cgroup/system.slice/memory.max":                   "1073741824\n",
			},
			want:       1024 * mib * 9 / 10,
			wantInNote: "(/sys/fs/cgroup/system.slice/memory.max)",
		},
		{
			name: "v2 in a cgroup namespace: the container's cgroup is the root",
			files: map[string]string{
				"proc/self/cgroup":               "0::/\n",
				"proc/self/mountinfo":            v2mount,
				"sys/fs/cgroup/memory.max":       "268435456\n",
				"sys/fs/cgroup/cgroup.procs":     "1\n",
				"sys/fs/cgroup/memory.swap.max":  "0\n",
				"sys/fs/cgroup/unrelated/memory": "1\n",
			},
			want: 256 * mib * 9 / 10,
		},
		{
			name: "v2 unlimited",
			files: map[string]string{
				"proc/self/cgroup":                    "0::/user.slice\n",
				"proc/self/mountinfo":                 v2mount,
				"sys/fs/cgroup/user.slice/memory.max": "max\n",
			},
			wantInNote: "no cgroup memory limit",
		},
		{
			name: "v1, the mount's root is the container's cgroup",
			files: map[string]string{
				"proc/self/cgroup":                           "5:cpuacct,cpu:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n",
				"proc/self/mountinfo":                        "35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n",
				"sys/fs/cgroup/memory/memory.limit_in_bytes": "2147483648\n",
			},
			want:       2048 * mib * 9 / 10,
			wantInNote: "limit 2.0 GiB (/sys/fs/cgroup/memory/memory.limit_in_bytes)",
		},
		{
			name: "v1 unlimited (the kernel's largest value)",
			files: map[string]string{
				"proc/self/cgroup":    "4:memory:/process_api/a4e2\n",
				"proc/self/mountinfo": "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n",
				"sys/fs/cgroup/memory/process_api/a4e2/memory.limit_in_bytes": "9223372036854771712\n",
				"sys/fs/cgroup/memory/process_api/memory.limit_in_bytes":      "9223372036854771712\n",
				"sys/fs/cgroup/memory/memory.limit_in_bytes":                  "9223372036854771712\n",
			},
			wantInNote: "no cgroup memory limit",
		},
		{
			name: "hybrid: the unified hierarchy has no memory controller, v1 has the limit",
			files: map[string]string{
				"proc/self/cgroup": "4:memory:/job7\n0::/\n",
				"proc/self/mountinfo": "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n" +
					"41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
				"sys/fs/cgroup/unified/cgroup.procs":              "1\n",
				"sys/fs/cgroup/memory/job7/memory.limit_in_bytes": "1073741824\n",
				"sys/fs/cgroup/memory/memory.limit_in_bytes":      "9223372036854771712\n",
			},
			want: 1024 * mib * 9 / 10,
		},
		{
			name: "a mount point with a space, no mountinfo entry for v1",
			files: map[string]string{
				"proc/self/cgroup":               "0::/a b\n",
				"proc/self/mountinfo":            "30 23 0:26 / /sys/fs/cgroup\\040x rw - cgroup2 cgroup2 rw\n",
				"sys/fs/cgroup x/a b/memory.max": "104857600\n",
			},
			want: 100 * mib * 9 / 10,
		},
		{
			name: "GOMEMLIMIT set: left alone",
			env:  "1500MiB",
			files: map[string]string{
				"proc/self/cgroup":         "0::/\n",
				"proc/self/mountinfo":      v2mount,
				"sys/fs/cgroup/memory.max": "268435456\n",
			},
			wantInNote: "GOMEMLIMIT=1500MiB from the environment",
		},
		{
			name:       "no /proc (not Linux)",
			files:      map[string]string{},
			wantInNote: "no cgroup memory limit",
		},
		{
			name: "an unreadable limit",
			files: map[string]string{
				"proc/self/cgroup":         "0::/\n",
				"proc/self/mountinfo":      v2mount,
				"sys/fs/cgroup/memory.max": "lots\n",
			},
			wantInNote: `"lots" is not a number of bytes`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, data := range tc.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, note := chooseMemoryLimit(tc.env, root)
			if got != tc.want {
				t.Errorf("limit %d, want %d (%s)", got, tc.want, note)
			}
			if !strings.Contains(note, tc.wantInNote) {
				t.Errorf("note %q, want it to contain %q", note, tc.wantInNote)
			}
		})
	}
}
