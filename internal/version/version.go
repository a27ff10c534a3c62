// SPDX-License-Identifier: Apache-2.0

// Package version holds the build's version string, set by the linker
// (-X riffle/internal/version.Version=...), and the Iggy version riffle speaks.
package version

// Version is the riffle build version; "dev" when not set at link time.
var Version = "dev"

// IggyServer is the Iggy server version whose wire protocol riffle speaks,
// reported in GetStats and GetClusterMetadata.
const IggyServer = "0.8.0"

// IggySemver is IggyServer packed as major*1_000_000 + minor*1_000 + patch.
const IggySemver = 8000
