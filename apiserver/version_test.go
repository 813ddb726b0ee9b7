package apiserver

import (
	"runtime/debug"
	"testing"
)

// TestVersionFromBuildInfo: /version carries the commit, tree state and commit time of the
// build, as kube-apiserver's carries its own.
func TestVersionFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-03T08:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	v := buildVersion(bi, true)
	if v.GitCommit != "0123456789abcdef0123456789abcdef01234567" || v.BuildDate != "2026-12-03T08:00:00Z" || v.GitTreeState != "dirty" {
		t.Fatalf("version = %+v", v)
	}
	if v := buildVersion(nil, false); v.GitCommit != "" || v.GitTreeState != "clean" || v.Major != "1" {
		t.Fatalf("without build info: %+v", v)
	}
}
