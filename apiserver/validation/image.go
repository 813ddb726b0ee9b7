package validation

import (
	"regexp"
	"strings"
)

// The container image reference grammar (the distribution reference format
// that kube-apiserver's defaulting parses to choose an imagePullPolicy).
var (
	refAlphanumeric  = `[a-z0-9]+`
	refSeparator     = `(?:[._]|__|[-]+)`
	refPathComponent = refAlphanumeric + `(?:` + refSeparator + refAlphanumeric + `)*`
	refDomainLabel   = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	refHost          = `(?:` + refDomainLabel + `(?:\.` + refDomainLabel + `)*|\[(?:[a-fA-F0-9:]+)\])`
	refDomain        = refHost + `(?::[0-9]+)?`
	refName          = `(?:` + refDomain + `/)?` + refPathComponent + `(?:/` + refPathComponent + `)*`
	refTag           = `[\w][\w.-]{0,127}`
	refDigest        = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`

	referenceRegexp  = regexp.MustCompile(`^(` + refName + `)(?::(` + refTag + `))?(?:@(` + refDigest + `))?$`)
	identifierRegexp = regexp.MustCompile(`^[a-f0-9]{64}$`)
)

// digestLengths are the hex lengths of the digest algorithms a reference may name.
var digestLengths = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}

// parseImageReference splits a container image reference into repository,
// tag and digest the way a normalized docker reference parse does. When the
// reference has neither tag nor digest the tag is "latest". ok is false for a
// reference that does not parse.
func parseImageReference(image string) (repo, tag, digest string, ok bool) {
	if identifierRegexp.MatchString(image) {
		return "", "", "", false
	}
	// The first component is a registry only if it looks like a host.
	remainder := image
	if i := strings.IndexRune(image, '/'); i >= 0 {
		first := image[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first {
			remainder = image[i+1:]
		}
	}
	if strings.ToLower(remainder) != remainder {
		return "", "", "", false
	}
	m := referenceRegexp.FindStringSubmatch(image)
	if m == nil || len(m[1]) > 255 {
		return "", "", "", false
	}
	repo, tag, digest = m[1], m[2], m[3]
	if digest != "" {
		algorithm, encoded, _ := strings.Cut(digest, ":")
		if n, known := digestLengths[algorithm]; !known || len(encoded) != n || strings.ToLower(encoded) != encoded {
			return "", "", "", false
		}
	}
	if tag == "" && digest == "" {
		tag = "latest"
	}
	return repo, tag, digest, true
}
