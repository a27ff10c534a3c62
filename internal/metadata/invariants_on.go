// SPDX-License-Identifier: Apache-2.0

//go:build invariants

package metadata

// invariants turns on checks too costly for production builds.
const invariants = true
