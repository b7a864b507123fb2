package cpus

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fake is a machine of files, with or without lscpu.
func fake(lscpu string, files map[string]string) Source {
	return Source{
		Lscpu: func() (string, error) {
			if lscpu == "" {
				return "", errors.New("lscpu: not found")
			}
			return lscpu, nil
		},
		ReadFile: func(name string) ([]byte, error) {
			if s, ok := files[name]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
	}
}

// lscpuOf is lscpu's output on a machine of these counts.
func lscpuOf(threads, perCore, perSocket, sockets int) string {
	return fmt.Sprintf("Architecture:            x86_64\nCPU(s):                  %d\nOn-line CPU(s) list:     0-%d\n"+
		"Thread(s) per core:      %d\nCore(s) per socket:      %d\nSocket(s):               %d\nNUMA node0 CPU(s):   0-%d\n",
		threads, threads-1, perCore, perSocket, sockets, threads-1)
}

// cpuinfoOf is /proc/cpuinfo with one processor per (socket, core, thread).
func cpuinfoOf(sockets, cores, threads int) string {
	s, n := "", 0
	for p := range sockets {
		for c := range cores {
			for range threads {
				s += fmt.Sprintf("processor\t: %d\nvendor_id\t: GenuineIntel\nphysical id\t: %d\ncore id\t\t: %d\n\n", n, p, c)
				n++
			}
		}
	}
	return s
}

func TestCountReadsLscpuFirst(t *testing.T) {
	src := fake(lscpuOf(16, 2, 4, 2), map[string]string{"/proc/cpuinfo": cpuinfoOf(1, 1, 1)})
	got, err := Count(src)
	if want := (Counts{Sockets: 2, Cores: 8, Threads: 16}); err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v (from lscpu, not /proc/cpuinfo)", got, err, want)
	}
}

func TestCountReadsTheTopologyWithoutLscpu(t *testing.T) {
	files := map[string]string{}
	// Two sockets, two cores each, two threads per core: 8 threads.
	for cpu := range 8 {
		dir := fmt.Sprintf("/sys/devices/system/cpu/cpu%d/topology/", cpu)
		files[dir+"physical_package_id"] = fmt.Sprintf("%d\n", cpu/4)
		files[dir+"thread_siblings"] = fmt.Sprintf("%02x\n", 3<<(2*(cpu/2)))
	}
	got, err := Count(fake("", files))
	if want := (Counts{Sockets: 2, Cores: 4, Threads: 8}); err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}

func TestCountReadsCpuinfoLast(t *testing.T) {
	got, err := Count(fake("", map[string]string{"/proc/cpuinfo": cpuinfoOf(2, 3, 2)}))
	if want := (Counts{Sockets: 2, Cores: 6, Threads: 12}); err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	// A cpuinfo without physical or core ids (some ARM machines): each
	// processor is a core, on one socket.
	got, err = Count(fake("", map[string]string{"/proc/cpuinfo": "processor\t: 0\nBogoMIPS\t: 50.00\n\nprocessor\t: 1\n"}))
	if want := (Counts{Sockets: 1, Cores: 2, Threads: 2}); err != nil || got != want {
		t.Errorf("without ids: got %+v, %v; want %+v", got, err, want)
	}
}

func TestCountIsAtMostTheCPUsAllowed(t *testing.T) {
	// 16 threads, but this process may run on 3 of them (0x0b): no count
	// is above 3, as GNU parallel counts.
	src := fake(lscpuOf(16, 2, 4, 2), map[string]string{"/proc/self/status": "Name:\tweft\nCpus_allowed:\t0000,000b\nCpus_allowed_list:\t0-1,3\n"})
	got, err := Count(src)
	if want := (Counts{Sockets: 2, Cores: 3, Threads: 3}); err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}

func TestLscpuWithoutSocketsFallsBackOnTheTopology(t *testing.T) {
	// Some machines print "Socket(s): -": the count is then incomplete,
	// and the topology is read instead.
	out := "CPU(s):              4\nThread(s) per core:  1\nCore(s) per cluster: 4\nSocket(s):           -\n"
	files := map[string]string{}
	for cpu := range 4 {
		dir := fmt.Sprintf("/sys/devices/system/cpu/cpu%d/topology/", cpu)
		files[dir+"physical_package_id"] = "0\n"
		files[dir+"thread_siblings"] = fmt.Sprintf("%x\n", 1<<cpu)
	}
	got, err := Count(fake(out, files))
	if want := (Counts{Sockets: 1, Cores: 4, Threads: 4}); err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}
