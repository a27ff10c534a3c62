// SPDX-License-Identifier: Apache-2.0

package uring_test

import (
	"testing"

	"riffle/internal/uring"
)

func TestParseRelease(t *testing.T) {
	cases := []struct {
		rel          string
		major, minor int
		bad          bool
	}{
		{rel: "6.18.44-fc-v782", major: 6, minor: 18},
		{rel: "5.15.0-91-generic", major: 5, minor: 15},
		{rel: "6.1-rc3", major: 6, minor: 1},
		{rel: "5.6", major: 5, minor: 6},
		{rel: "6", bad: true},
		{rel: "x.y", bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.rel, func(t *testing.T) {
			major, minor, err := uring.ParseRelease(tc.rel)
			if (err != nil) != tc.bad {
				t.Fatalf("ParseRelease(%q) error = %v; want error: %v", tc.rel, err, tc.bad)
			}
			if !tc.bad && (major != tc.major || minor != tc.minor) {
				t.Errorf("ParseRelease(%q) = %d.%d; want %d.%d", tc.rel, major, minor, tc.major, tc.minor)
			}
		})
	}
}
