// Package auth secures the embedded API server engine: it keeps the CA and serving
// certificate, authenticates bearer tokens from a kube-apiserver token file, decides what
// each user may do, and writes the kubeconfig clients use.
//
// Contract:
//
// PKI. EnsurePKI(dir, hosts) keeps four files in dir (created 0700 when missing): ca.crt,
// ca.key, apiserver.crt and apiserver.key. Keys are written 0600 and certificates 0644,
// each atomically (temporary file, sync, rename). On first use it creates a self-signed CA
// (ECDSA P-256, CommonName "sheetops-ca", 10 years) and a serving certificate signed by it
// (ECDSA P-256, 1 year, server auth) whose SANs are the hosts: IP addresses as IP SANs,
// names as DNS SANs; no hosts means 127.0.0.1, ::1 and localhost. Later calls load the
// files and keep the CA; the serving certificate is issued again, with the same CA, when it
// is missing, unreadable, not signed by the CA, expires within 30 days, or does not cover
// every requested host. A ca.crt whose ca.key is missing or does not match, or a CA that
// expires within 30 days, is an error, never silently replaced: clients trust that CA.
// PKI.TLSConfig gives TLS 1.2 or later with ALPN h2 and http/1.1; serve it with
// http.Server{TLSConfig: ...}.ServeTLS(l, "", "") (or ListenAndServeTLS("", "")) so that
// net/http wires up HTTP/2, which client-go uses.
//
// Tokens. LoadTokenFile reads kube-apiserver's --token-auth-file CSV format,
// token,user,uid[,"group1,group2"], ignoring blank lines, lines starting with # and columns
// after the fourth. A malformed line (fewer than three columns, an empty token or user, a
// token with whitespace, a token used twice, broken quoting) is a *TokenFileError naming
// the file and line. EnsureTokenFile creates a missing file (0600, atomically, and never
// over a file that appeared meanwhile) with random 32-byte base64url tokens for
// sheetops-admin (uid 1, system:masters) and sheetops-viewer (uid 2, sheetops:viewers);
// an existing file is read and never written, and the tokens of those two users are
// returned when present.
//
// Authentication. TokenAuthenticator.AuthenticateRequest accepts only an
// "Authorization: Bearer <token>" header (scheme in any case, as upstream; no query
// parameter), compares digests in constant time, adds system:authenticated to the user's
// groups and, as upstream, deletes the Authorization header from a request it
// authenticates. The authenticator keeps SHA-256 digests, not tokens.
//
// Authorization. Authorizer is a fixed stand-in for RBAC: system:masters may do
// everything; sheetops:viewers may get, list and watch every resource and subresource;
// system:authenticated may get /api, /apis, /openapi (and everything under those three),
// /version, /healthz, /livez and /readyz. Any other request gets upstream's 403: the same
// *apierrors.StatusError, message, reason and details as kube-apiserver's RBAC denial, e.g.
// `pods "x" is forbidden: User "u" cannot delete resource "pods" in API group "" in the
// namespace "ns"`. Unauthorized is upstream's 401 (message "Unauthorized").
//
// Kubeconfig. WriteKubeconfig writes one cluster and one context named "sheetops" (the
// current context), the CA as certificate-authority-data and the token as the user's bearer
// token: the form kubectl, client-go and the Python client load. The file is 0600 and
// replaced atomically.
//
// Secrets. No token or key is ever logged (this package does not log) or put in an error
// message. TokenAuthenticator and Authorizer are immutable and safe for concurrent use;
// the file functions are not meant to run concurrently on the same paths, except that
// concurrent EnsureTokenFile calls agree on one file.
package auth
