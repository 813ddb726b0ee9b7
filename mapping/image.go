package mapping

import (
	"regexp"
	"strings"
	"unicode"
)

// The grammar of an image reference, as the distribution project (docker, containerd) defines
// it in github.com/distribution/reference:
//
//	reference        := name [ ":" tag ] [ "@" digest ]
//	name             := [domain '/'] path-component ['/' path-component]*
//	domain           := host [':' port-number]
//	host             := domain-name | IPv4address | '[' IPv6address ']'
//	domain-name      := domain-component ['.' domain-component]*
//	domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//	port-number      := /[0-9]+/
//	path-component   := alpha-numeric [separator alpha-numeric]*
//	alpha-numeric    := /[a-z0-9]+/
//	separator        := /[_.]|__|[-]*/
//	tag              := /[\w][\w.-]{0,127}/
//	digest           := algorithm ":" hex
//	algorithm        := /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*/
//	hex              := /[0-9a-fA-F]{32,}/
//
// The first component is the domain when there is more than one and it contains "." or ":",
// is "localhost", or has an upper-case letter (as docker decides). The name is at most 255
// characters.
var (
	domainRE = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$`)
	pathRE   = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagRE    = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digestRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$`)
)

// maxImageNameLength is the longest name (without tag and digest) a reference may have.
const maxImageNameLength = 255

// ParseImage parses an Image cell: a container image reference, repository[:tag][@digest]
// ("nginx", "nginx:1.27", "registry.example.com:5000/team/app:v1", "app@sha256:…"), surrounding
// whitespace ignored. The reference is kept as typed: "nginx" is not expanded to
// "docker.io/library/nginx:latest".
func ParseImage(cell string) (string, error) {
	s := strings.TrimSpace(cell)
	if s == "" {
		return "", invalid("image must not be empty")
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "", invalid("image must not contain spaces")
	}
	name, tag, digest := splitImage(s)
	if strings.Contains(s, "@") && !digestRE.MatchString(digest) {
		return "", invalid("image digest must be algorithm:hex, e.g. sha256: and 64 hex digits")
	}
	if tag != "" && !tagRE.MatchString(tag) {
		return "", invalid("image tag must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'")
	}
	if name == "" {
		return "", invalid("image must name a repository")
	}
	if len(name) > maxImageNameLength {
		return "", invalid("image name must be no more than 255 characters")
	}
	parts := strings.Split(name, "/")
	if len(parts) > 1 && isDomain(parts[0]) {
		if !domainRE.MatchString(parts[0]) {
			return "", invalid("image registry must be a host name or IP address with an optional :port")
		}
		parts = parts[1:]
	}
	for _, p := range parts {
		if pathRE.MatchString(p) {
			continue
		}
		if strings.ToLower(p) != p && pathRE.MatchString(strings.ToLower(p)) {
			return "", invalid("image repository must be lowercase")
		}
		return "", invalid("not a valid image reference (repository[:tag][@digest])")
	}
	return s, nil
}

// splitImage splits a reference into its name, tag and digest, without validating them. The
// tag is after the last ":" that follows the last "/", so that a registry's port is not
// mistaken for one.
func splitImage(s string) (name, tag, digest string) {
	name, digest, _ = strings.Cut(s, "@")
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
		if tag == "" {
			tag = ":" // an empty tag is invalid; keep it non-empty so that it is checked
		}
	}
	return name, tag, digest
}

func isDomain(first string) bool {
	return strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first
}

// containerName derives a container name from an image: the last path component without tag
// and digest, made a DNS-1123 label (lower case; other characters become "-"; at most 63
// characters), or "app" when nothing is left.
func containerName(image string) string {
	name, _, _ := splitImage(image)
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	b := make([]byte, 0, len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, '-')
		}
	}
	s := string(b)
	if len(s) > 63 {
		s = s[:63]
	}
	s = strings.Trim(s, "-")
	if s == "" {
		return "app"
	}
	return s
}
