// SPDX-License-Identifier: Apache-2.0

package metadata

// DurableBytes exposes to the external tests the encoding the state log
// keeps (no consumer-group members or progress), with the version zeroed:
// versions of ephemeral entries are not logged, so only the content compares.
func DurableBytes(st *State) ([]byte, error) {
	c := *st
	c.version = 0
	return c.encode(true)
}
