// Package cpus counts the CPU sockets, cores and threads of this machine
// that this process may use, by GNU parallel 20221122's method on Linux:
// lscpu's CPU(s), Thread(s) per core and Socket(s); else the topology
// under /sys/devices/system/cpu; else /proc/cpuinfo; each count then at
// most the number of CPUs this process may run on (Cpus_allowed of
// /proc/self/status).
//
//	n, err := cpus.Count(cpus.Machine())
//	fmt.Println(n.Cores)
package cpus

import (
	"errors"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// Counts are the numbers of CPU sockets, cores and threads.
type Counts struct {
	Sockets, Cores, Threads int
}

// Source is where the counts are read from: the machine's, or a test's.
type Source struct {
	// Lscpu returns the output of lscpu, or an error if it cannot run.
	Lscpu func() (string, error)
	// ReadFile reads a file of /sys or /proc by its absolute name.
	ReadFile func(name string) ([]byte, error)
}

// Machine is the Source of this machine: lscpu on $PATH and the real
// files.
func Machine() Source {
	return Source{
		Lscpu: func() (string, error) {
			out, err := exec.Command("lscpu").Output()
			return string(out), err
		},
		ReadFile: os.ReadFile,
	}
}

// ErrUnsupported is returned on systems other than Linux.
var ErrUnsupported = errors.New("weft counts CPU sockets and cores on Linux only")

// Count counts the CPUs of src.
func Count(src Source) (Counts, error) {
	if runtime.GOOS != "linux" && runtime.GOOS != "android" {
		return Counts{}, ErrUnsupported
	}
	var c Counts
	complete := func() bool { return c.Sockets > 0 && c.Cores > 0 && c.Threads > 0 }
	if out, err := src.Lscpu(); err == nil {
		c = fromLscpu(out)
	}
	if !complete() {
		if t, ok := fromTopology(src.ReadFile, "/sys/devices/system/cpu"); ok {
			c = t
		}
	}
	if !complete() {
		if data, err := src.ReadFile("/proc/cpuinfo"); err == nil {
			c = fromCpuinfo(string(data))
		}
	}
	if c.Threads == 0 && c.Cores == 0 {
		n := runtime.NumCPU() // as GNU parallel falls back on nproc
		c = Counts{n, n, n}
	}
	if c.Sockets == 0 {
		c.Sockets = 1
	}
	if c.Threads == 0 {
		c.Threads = c.Cores
	}
	if active := allowed(src.ReadFile); active > 0 {
		c.Sockets, c.Cores, c.Threads = min(c.Sockets, active), min(c.Cores, active), min(c.Threads, active)
	}
	return c, nil
}

var (
	lscpuThreads        = regexp.MustCompile(`(?m)^CPU.s.:\s*(\d+)`)
	lscpuThreadsPerCore = regexp.MustCompile(`(?m)^Thread.s. per core:\s*(\d+)`)
	lscpuSockets        = regexp.MustCompile(`(?mi)^(?:CPU )?Socket.s.:\s*(\d+)`)
)

// fromLscpu reads lscpu's output: the threads are CPU(s), the cores the
// threads over Thread(s) per core.
func fromLscpu(out string) Counts {
	num := func(re *regexp.Regexp) int {
		n := 0
		for _, m := range re.FindAllStringSubmatch(out, -1) {
			n, _ = strconv.Atoi(m[1]) // the last one, as GNU parallel reads them line by line
		}
		return n
	}
	c := Counts{Threads: num(lscpuThreads), Sockets: num(lscpuSockets)}
	if per := num(lscpuThreadsPerCore); per > 0 && c.Threads > 0 {
		c.Cores = c.Threads / per
	}
	return c
}

// fromTopology reads the topology of cpu0, cpu1, ... under prefix, up to
// the first missing: the sockets are the distinct physical_package_id,
// the cores the distinct thread_siblings.
func fromTopology(read func(string) ([]byte, error), prefix string) (Counts, bool) {
	if _, err := read(filepath.Join(prefix, "cpu0/topology/thread_siblings")); err != nil {
		return Counts{}, false
	}
	distinct := func(file string) (kinds, n int) {
		seen := map[string]bool{}
		for n = 0; ; n++ {
			b, err := read(filepath.Join(prefix, "cpu"+strconv.Itoa(n), "topology", file))
			if err != nil {
				return len(seen), n
			}
			seen[string(b)] = true
		}
	}
	var c Counts
	c.Sockets, _ = distinct("physical_package_id")
	c.Cores, c.Threads = distinct("thread_siblings")
	return c, true
}

// fromCpuinfo reads /proc/cpuinfo: a socket per physical id, a core per
// core id within its physical id, a thread per processor.
func fromCpuinfo(data string) Counts {
	var c Counts
	sockets, cores := map[string]bool{}, map[[2]string]bool{}
	physical := ""
	for _, line := range strings.Split(data, "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(key, "physical id"):
			physical = value
			if !sockets[value] {
				sockets[value] = true
				c.Sockets++
			}
		case strings.HasPrefix(key, "core id"):
			if k := [2]string{physical, value}; !cores[k] {
				cores[k] = true
				c.Cores++
			}
		case strings.HasPrefix(strings.ToLower(key), "processor"):
			if v := strings.TrimLeft(value, " \t"); v != "" && v[0] >= '0' && v[0] <= '9' {
				c.Threads++
			}
		}
	}
	if c.Cores == 0 {
		c.Cores = c.Threads
	}
	if c.Sockets == 0 {
		c.Sockets = 1
	}
	return c
}

// allowed is the number of CPUs in Cpus_allowed of /proc/self/status, 0
// if unknown.
func allowed(read func(string) ([]byte, error)) int {
	data, err := read("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		v, ok := strings.CutPrefix(line, "Cpus_allowed:")
		if !ok {
			continue
		}
		n := 0
		for _, ch := range strings.ReplaceAll(strings.TrimSpace(v), ",", "") {
			d, err := strconv.ParseUint(string(ch), 16, 8)
			if err != nil {
				return 0
			}
			n += bits.OnesCount8(uint8(d))
		}
		return n
	}
	return 0
}
