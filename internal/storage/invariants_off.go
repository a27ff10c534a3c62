// SPDX-License-Identifier: Apache-2.0

//go:build !invariants

package storage

const invariants = false
