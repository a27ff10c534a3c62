// SPDX-License-Identifier: Apache-2.0

package affinity

import (
	"reflect"
	"runtime"
	"testing"
)

func TestParseList(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []int
		bad      bool
	}{
		{"single", "1", []int{1}, false},
		{"range and singles", "0-2,5,7-8", []int{0, 1, 2, 5, 7, 8}, false},
		{"empty", "", nil, false},
		{"reversed range", "3-1", nil, true},
		{"garbage", "x", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseList(tc.in)
			if (err != nil) != tc.bad {
				t.Fatalf("err = %v", err)
			}
			if !tc.bad && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSetCurrentThreadPinsOnlyThatThread(t *testing.T) {
	all, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Skip("needs two CPUs")
	}
	done := make(chan []int)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := SetCurrentThread(all[1:2]); err != nil {
			t.Error(err)
		}
		got, _ := Current()
		done <- got
	}()
	if got := <-done; !reflect.DeepEqual(got, all[1:2]) {
		t.Fatalf("pinned thread has %v", got)
	}
	if got, _ := Current(); !reflect.DeepEqual(got, all) {
		t.Fatalf("test goroutine's thread changed to %v", got)
	}
	threads, err := ThreadCPUs(0)
	if err != nil || len(threads) == 0 {
		t.Fatalf("ThreadCPUs: %v %v", threads, err)
	}
}
