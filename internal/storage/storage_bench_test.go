// SPDX-License-Identifier: Apache-2.0

package storage_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"riffle/internal/protocol"
	"riffle/internal/storage"
	"riffle/internal/vfs"
)

// BenchmarkStorage compares the engine with what the file system under it
// can do, in one process and one directory (make bench-storage turns the
// results into one table). Every case moves batches of 1,000 messages of
// 1 KiB payload (1,088,000 bytes of frames); one op is one batch, so MB/s
// counts frame bytes:
//
//	write/engine=IO       Append in DurabilityWrite to 2 partitions, one
//	                      goroutine each, one batch in flight per partition
//	write/baseline=pwrite the same bytes, pwrite(2) batch by batch from one
//	                      goroutine, alternately at the end of 2 files
//	  …=pwrite+writeback  the same, starting each file's writeback every
//	                      8 MiB and dropping the bytes 64 MiB behind, as
//	                      the engine's write mode does (a diagnostic: the
//	                      plain pwrite never writes its bytes back)
//	  …=pwrite-2writers   the same from 2 goroutines, one file each
//	  …=uring-2writers    the same through an io_uring backend
//	write-nockpt/engine=IO  write/engine=IO without recovery checkpoints
//	fsync/engine=IO       the same appends in DurabilityFsync
//	fsync/baseline=…      the same bytes in 1 MiB chunks, each written and
//	                      fdatasynced before the next, 2 files, one
//	                      goroutine each: pwrite+fdatasync (syscalls) and
//	                      uring (a linked write→fdatasync chain)
//	read/engine=IO        AppendFrom of 1,000 messages at a time, cycling
//	                      over 2 partitions written beforehand (page cache
//	                      hot)
//	read/baseline=pread   the same log bytes, pread(2) in batch-sized pieces
//
// IO is uring or sync, the vfs.Backend the engine writes through (reads are
// preads whatever the backend). Run with a fixed -benchtime=Nx so that an
// engine case and its baselines move the same bytes. The directory is
// -storage.benchdir (default $TMPDIR). The engine keeps its production
// settings (group commit, write-mode recovery checkpoints every 64 MiB)
// except the segment size, 3 GiB, so that no run rolls a segment, and in
// write-nockpt.
func BenchmarkStorage(b *testing.B) {
	if bt := flag.Lookup("test.benchtime"); bt == nil || !strings.HasSuffix(bt.Value.String(), "x") {
		b.Skip("BenchmarkStorage needs a fixed -benchtime=Nx (make bench-storage runs it)")
	}
	dir := benchDir(b)
	b.Run("write", func(b *testing.B) {
		for _, be := range benchBackends {
			b.Run("engine="+be.name, func(b *testing.B) { benchEngineAppend(b, dir, be, storage.DurabilityWrite) })
		}
		b.Run("baseline=pwrite", func(b *testing.B) { benchPwriteOneWriter(b, dir, false) })
		b.Run("baseline=pwrite+writeback", func(b *testing.B) { benchPwriteOneWriter(b, dir, true) })
		b.Run("baseline=pwrite-2writers", func(b *testing.B) { benchPwrite(b, dir, benchBatchBytes, false) })
		b.Run("baseline=uring-2writers", func(b *testing.B) { benchUringWrite(b, dir, benchBatchBytes, false) })
	})
	// A diagnostic: write mode without its recovery checkpoints, whose
	// fdatasync every 64 MiB the baselines do not pay.
	b.Run("write-nockpt", func(b *testing.B) {
		defer storage.SetCheckpointBytes(1 << 62)()
		for _, be := range benchBackends {
			b.Run("engine="+be.name, func(b *testing.B) { benchEngineAppend(b, dir, be, storage.DurabilityWrite) })
		}
	})
	b.Run("fsync", func(b *testing.B) {
		for _, be := range benchBackends {
			b.Run("engine="+be.name, func(b *testing.B) { benchEngineAppend(b, dir, be, storage.DurabilityFsync) })
		}
		b.Run("baseline=pwrite+fdatasync", func(b *testing.B) { benchPwrite(b, dir, 1<<20, true) })
		b.Run("baseline=uring", func(b *testing.B) { benchUringWrite(b, dir, 1<<20, true) })
	})
	b.Run("read", func(b *testing.B) {
		var st *benchReadState
		for _, be := range benchBackends {
			st = newBenchReadState(b, dir, be)
			b.Run("engine="+be.name, func(b *testing.B) { benchEngineRead(b, st) })
		}
		b.Run("baseline=pread", func(b *testing.B) { benchPread(b, st.logs) })
	})
}

var (
	benchDirFlag = flag.String("storage.benchdir", "", "directory for BenchmarkStorage's files (default $TMPDIR)")
	benchDirOnce sync.Once
)

const (
	benchMsgs       = 1000
	benchPayload    = 1024
	benchBatchBytes = benchMsgs * (protocol.MessageHeaderSize + benchPayload)
	benchParts      = 2
	benchReadSet    = 128 // batches per partition that the read cases cycle over
)

// benchBackends are the backends the engine cases run with. As in the tests,
// the uring cases fail when io_uring is unsupported on a host that does not
// lock it down, and skip (saying why) on one that does.
var benchBackends = []backend{
	{name: "uring", open: openUring},
	{name: "sync", open: openSync},
}

// benchDir returns the benchmark directory and prints it and its file
// system, once, as configuration lines of the benchmark output format
// ("key: value", as goos: and cpu:), with the CPUs it may use, so the table
// can say where the engine and the baselines ran.
func benchDir(b *testing.B) string {
	dir := *benchDirFlag
	if dir == "" {
		dir = os.TempDir()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		b.Fatal(err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		b.Fatalf("statfs %s: %v", dir, err)
	}
	benchDirOnce.Do(func() {
		fmt.Printf("storage-dir: %s\nstorage-fs: %s\nstorage-cpus: %s\n", dir, fsName(st.Type), allowedCPUs())
	})
	return dir
}

// allowedCPUs lists the CPUs this process may run on ("0-1"), as a shard's
// affinity is listed: the io_uring backend's kernel workers inherit it, so
// the uring cases differ between one CPU (how a shard runs) and several.
func allowedCPUs() string {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return "unknown: " + err.Error()
	}
	var cpus []string
	for c := 0; c < len(set)*64; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, strconv.Itoa(c))
		}
	}
	return strings.Join(cpus, ",")
}

// fsName names the file systems riffle is likely to run on by their
// statfs(2) magic number.
func fsName(magic int64) string {
	switch magic {
	case 0xef53:
		return "ext4"
	case 0x58465342:
		return "xfs"
	case 0x9123683e:
		return "btrfs"
	case 0x01021994:
		return "tmpfs"
	case 0x794c7630:
		return "overlayfs"
	case 0x2fc12fc1:
		return "zfs"
	case 0x6969:
		return "nfs"
	}
	return fmt.Sprintf("file system with magic %#x", magic)
}

// benchRoot returns a fresh directory under dir, removed (with whatever
// dirty pages its files still have) when the benchmark run ends.
func benchRoot(b *testing.B, dir string) string {
	root, err := os.MkdirTemp(dir, "riffle-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(root) })
	return root
}

// benchFrames returns one batch of client frames and the position of each
// frame in it.
func benchFrames() ([]byte, []int) {
	buf := buildFrames(0, benchMsgs, benchPayload, nil)
	starts := make([]int, 0, benchMsgs)
	for pos := 0; pos < len(buf); pos += protocol.MessageFrameSize(buf[pos:]) {
		starts = append(starts, pos)
	}
	if len(buf) != benchBatchBytes {
		panic(fmt.Sprintf("BUG: a bench batch is %d bytes, want %d", len(buf), benchBatchBytes))
	}
	return buf, starts
}

// openBenchEngine opens an engine in a fresh directory with benchParts
// partitions, with segments large enough that no run rolls one, and returns
// the paths of their (only) log files.
func openBenchEngine(b *testing.B, dir string, be backend, d storage.Durability) (*storage.Engine, []*storage.Partition, []string) {
	e := &env{t: b, fs: vfs.OS, dir: benchRoot(b, dir)}
	e.opts = storage.Options{Dir: e.dir, IO: be.open(b), Durability: d, SegmentSize: storage.MaxSegmentSize}
	eng := e.open()
	parts := make([]*storage.Partition, benchParts)
	logs := make([]string, benchParts)
	for i := range parts {
		k := storage.Key{Stream: 1, Topic: 1, Partition: uint64(i + 1)}
		parts[i] = openPart(b, eng, k)
		logs[i] = filepath.Join(e.partDir(k), "00000000000000000000.log")
	}
	return eng, parts, logs
}

// splitN runs f(i, n_i) on benchParts goroutines, the n_i adding up to n,
// and waits for them.
func splitN(n int, f func(i, n int)) {
	var wg sync.WaitGroup
	for i := range benchParts {
		share := n / benchParts
		if i < n%benchParts {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i, share)
		}()
	}
	wg.Wait()
}

func benchEngineAppend(b *testing.B, dir string, be backend, d storage.Durability) {
	eng, parts, _ := openBenchEngine(b, dir, be, d)
	bufs := make([][]byte, benchParts)
	var starts []int
	for i := range bufs {
		bufs[i], starts = benchFrames()
	}
	b.SetBytes(benchBatchBytes)
	b.ReportAllocs()
	b.ResetTimer()
	splitN(b.N, func(i, n int) {
		p, buf := parts[i], bufs[i]
		for range n {
			for _, at := range starts { // server-generated ids, as most clients ask
				protocol.SetMessageID(buf[at:], [16]byte{})
			}
			if _, _, err := p.Append(buf, benchMsgs).Wait(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	// Stop like a killed process: a clean Close would fdatasync hundreds of
	// MB that the next case's writes would then compete with.
	storage.Abandon(eng)
}

// benchFiles creates benchParts files in a fresh directory.
func benchFiles(b *testing.B, dir string) []*os.File {
	root := benchRoot(b, dir)
	files := make([]*os.File, benchParts)
	for i := range files {
		f, err := os.Create(filepath.Join(root, fmt.Sprintf("%d.log", i)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		files[i] = f
	}
	return files
}

// benchPwrite writes b.N batches' bytes sequentially to benchParts files in
// pieces of chunk bytes, fdatasyncing after each piece when sync is set.
func benchPwrite(b *testing.B, dir string, chunk int, sync bool) {
	files := benchFiles(b, dir)
	buf, _ := benchFrames()
	for len(buf) < chunk {
		buf = append(buf, buf...)
	}
	buf = buf[:chunk]
	b.SetBytes(benchBatchBytes)
	b.ReportAllocs()
	b.ResetTimer()
	splitN(b.N, func(i, n int) {
		f := files[i]
		for off, total := int64(0), int64(n)*benchBatchBytes; off < total; off += int64(chunk) {
			piece := buf[:min(int64(chunk), total-off)]
			if _, err := f.WriteAt(piece, off); err != nil {
				b.Error(err)
				return
			}
			if sync {
				if err := unix.Fdatasync(int(f.Fd())); err != nil {
					b.Error(err)
					return
				}
			}
		}
	})
}

// benchPwriteOneWriter writes b.N batches' bytes with one goroutine,
// batch by batch, alternately at the end of each of benchParts files. With
// writeback it also treats the page cache as the engine's write mode does:
// every 8 MiB of a file it starts the writeback of the new bytes and drops
// what lies more than 64 MiB behind (storage.MinCacheWindow,
// storage.DefaultCacheWindow).
func benchPwriteOneWriter(b *testing.B, dir string, writeback bool) {
	files := benchFiles(b, dir)
	buf, _ := benchFrames()
	offs := make([]int64, len(files))
	kicked := make([]int64, len(files))
	dropped := make([]int64, len(files))
	b.SetBytes(benchBatchBytes)
	b.ReportAllocs()
	for k := 0; b.Loop(); k++ {
		i := k % len(files)
		if _, err := files[i].WriteAt(buf, offs[i]); err != nil {
			b.Fatal(err)
		}
		offs[i] += benchBatchBytes
		if !writeback || offs[i]-kicked[i] < storage.MinCacheWindow {
			continue
		}
		fd := int(files[i].Fd())
		if err := unix.SyncFileRange(fd, kicked[i], offs[i]-kicked[i], unix.SYNC_FILE_RANGE_WRITE); err != nil {
			b.Fatal(err)
		}
		if to := min(offs[i]-storage.DefaultCacheWindow, kicked[i]) &^ (64<<10 - 1); to > dropped[i] {
			if err := unix.Fadvise(fd, dropped[i], to-dropped[i], unix.FADV_DONTNEED); err != nil {
				b.Fatal(err)
			}
			dropped[i] = to
		}
		kicked[i] = offs[i]
	}
}

// benchUringWrite is benchPwrite on an io_uring backend: each chunk is one
// write, or with sync one linked write→fdatasync chain.
func benchUringWrite(b *testing.B, dir string, chunk int, sync bool) {
	io := openUring(b)
	files := make([]vfs.File, benchParts)
	root := benchRoot(b, dir)
	for i := range files {
		f, err := vfs.OS.Create(filepath.Join(root, fmt.Sprintf("%d.log", i)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		files[i] = f
	}
	buf, _ := benchFrames()
	buf = append(buf, buf...)[:chunk]
	b.SetBytes(benchBatchBytes)
	b.ReportAllocs()
	b.ResetTimer()
	splitN(b.N, func(i, n int) {
		for off, total := int64(0), int64(n)*benchBatchBytes; off < total; off += int64(chunk) {
			piece := buf[:min(int64(chunk), total-off)]
			write := io.WriteAt
			if sync {
				write = io.WriteAtSync
			}
			op := write(files[i], piece, off)
			if _, err := op.Wait(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchReadState is what a read case reads: benchReadSet batches in each
// of benchParts partitions.
type benchReadState struct {
	parts []*storage.Partition
	logs  []string // the partitions' log files
}

// newBenchReadState writes the read set with backend be. The engine stays
// open, and its files in place, until b (the parent of the read cases) ends.
func newBenchReadState(b *testing.B, dir string, be backend) *benchReadState {
	eng, parts, logs := openBenchEngine(b, dir, be, storage.DurabilityWrite)
	b.Cleanup(func() { mustClose(b, eng) })
	st := &benchReadState{parts: parts, logs: logs}
	buf, starts := benchFrames()
	for _, p := range parts {
		for range benchReadSet {
			for _, at := range starts {
				protocol.SetMessageID(buf[at:], [16]byte{})
			}
			if _, _, err := p.Append(buf, benchMsgs).Wait(); err != nil {
				b.Fatal(err)
			}
		}
	}
	return st
}

func benchEngineRead(b *testing.B, st *benchReadState) {
	var buf []byte
	read := func(k int) {
		p := st.parts[k%benchParts]
		off := uint64(k/benchParts%benchReadSet) * benchMsgs
		var n uint32
		var err error
		buf, n, err = p.AppendFrom(buf[:0], off, benchMsgs, 0)
		if err != nil || n != benchMsgs {
			b.Fatalf("read %d messages at %d: %v", n, off, err)
		}
	}
	for k := range benchParts * benchReadSet { // the page cache holds it all, and buf is grown
		read(k)
	}
	b.SetBytes(benchBatchBytes)
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		read(k)
		k++
	}
}

func benchPread(b *testing.B, logs []string) {
	files := make([]*os.File, len(logs))
	for i, name := range logs {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		files[i] = f
	}
	buf := make([]byte, benchBatchBytes)
	read := func(k int) {
		off := int64(k/benchParts%benchReadSet) * benchBatchBytes
		if _, err := files[k%benchParts].ReadAt(buf, off); err != nil {
			b.Fatal(err)
		}
	}
	for k := range benchParts * benchReadSet {
		read(k)
	}
	b.SetBytes(benchBatchBytes)
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		read(k)
		k++
	}
}
