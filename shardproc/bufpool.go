// SPDX-License-Identifier: Apache-2.0

package shardproc

import (
	"math/bits"
	"sync"
)

// Request payloads are read into pooled buffers, by power-of-two size class,
// and returned once the request is answered: a 1 MiB message batch then costs
// no allocation, and an idle connection holds no buffer at all. Nothing keeps
// a payload past its request: storage is done with appended frames when the
// append completes, and forwarded bodies are written before Call returns.

const (
	minClass = 12 // 4 KiB
	maxClass = 26 // 64 MiB; larger payloads are allocated and dropped
)

var payloadPools [maxClass + 1]sync.Pool

func sizeClass(n int) int {
	if n <= 1<<minClass {
		return minClass
	}
	return bits.Len(uint(n - 1))
}

// getPayload returns a buffer of length n.
func getPayload(n int) *[]byte {
	c := sizeClass(n)
	if c > maxClass {
		b := make([]byte, n)
		return &b
	}
	if v := payloadPools[c].Get(); v != nil {
		b := v.(*[]byte)
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, 1<<c)
	return &b
}

// putPayload recycles a buffer from getPayload.
func putPayload(b *[]byte) {
	c := sizeClass(cap(*b))
	if c > maxClass || cap(*b) != 1<<c {
		return
	}
	payloadPools[c].Put(b)
}
