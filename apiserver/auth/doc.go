// Package auth secures the embedded API server engine: it keeps the CA and serving
// certificate, authenticates bearer tokens from a kube-apiserver token file, client
// certificates and ServiceAccount tokens, decides what each user may do with RBAC, and
// writes the kubeconfig clients use.
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
// PKI.TLSConfig gives TLS 1.2 or later with ALPN h2 and http/1.1 and asks for (does not
// require) a client certificate; serve it with http.Server{TLSConfig: ...}.ServeTLS(l, "",
// "") so that net/http wires up HTTP/2, which client-go uses. PKI.SignClientCertificate
// signs a PEM certificate request for client auth with the CA (the
// kubernetes.io/kube-apiserver-client signer).
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
// CertificateAuthenticator verifies a request's client certificate against the CA (client
// auth usage, validity) as --client-ca-file does: the CommonName is the user, the
// Organizations the groups, and the certificate's SHA-256 its credential id.
//
// ServiceAccount tokens. EnsureSigningKey keeps sa.key (ECDSA P-256, 0600). Signer.Issue
// makes kube-apiserver's two kinds of ServiceAccount JWT: bound tokens (issuer Issuer,
// audiences, exp, iat, nbf, a jti, the "kubernetes.io" claims naming the ServiceAccount and
// any bound Pod, Secret or Node with their UIDs) and legacy Secret tokens (issuer
// kubernetes/serviceaccount, no expiry). Signer.Verify accepts only ES256 with its own key,
// then checks issuer, expiry (a minute of leeway) and audience; that the named objects
// still exist, by UID, is the caller's to check. The JWTs are made and checked here with
// the standard library rather than a JOSE package: one algorithm and one key is all the
// engine needs, and nothing else is accepted.
//
// Authorization. Authorizer is kube-apiserver with --authorization-mode=RBAC: members of
// system:masters may do everything (the privileged-group authorizer that runs first);
// anyone else what the RBAC rules of the Policy (roles, cluster roles and their bindings,
// which the engine keeps in its store) allow, evaluated as upstream's RBAC authorizer does:
// cluster role bindings first, then the namespace's role bindings; API groups, resources
// ("*", "resource/subresource", "*/subresource"), resource names and non-resource URLs
// (exact, or a prefix ending in "*") as upstream matches them. The evaluation is written
// here because upstream's (k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac) cannot be
// imported as a module, and k8s.io/apiserver's authorizer interfaces would bring its whole
// dependency graph for three small types. Decide returns the decision with upstream's
// reason ("RBAC: allowed by ClusterRoleBinding ..." or, on a denial, the missing roles);
// Authorize turns a denial into upstream's 403: the same *apierrors.StatusError, message,
// reason and details as kube-apiserver's, e.g. `pods "x" is forbidden: User "u" cannot
// delete resource "pods" in API group "" in the namespace "ns"`. Unauthorized is upstream's
// 401 (message "Unauthorized"). RulesFor lists a user's rules (SelfSubjectRulesReview),
// ConfirmNoEscalation refuses a role or binding that grants more than its writer holds,
// with upstream's message. BootstrapPolicy holds kube-apiserver v1.37.1's bootstrap roles
// and bindings (cluster-admin, admin, edit, view and their aggregate-to roles,
// system:discovery, system:basic-user, system:public-info-viewer, ...), as that server
// stores them, and binds sheetops-viewer to view; AggregatedRules is the
// clusterrole-aggregation controller's computation.
//
// Kubeconfig. WriteKubeconfig writes one cluster and one context named "sheetops" (the
// current context), the CA as certificate-authority-data and the token as the user's bearer
// token: the form kubectl, client-go and the Python client load. The file is 0600 and
// replaced atomically.
//
// Secrets. No token or key is ever logged (this package does not log) or put in an error
// message. TokenAuthenticator, CertificateAuthenticator, Signer and Authorizer are
// immutable and safe for concurrent use (the Authorizer reads its Policy, which must be);
// the file functions are not meant to run concurrently on the same paths, except that
// concurrent EnsureTokenFile calls agree on one file.
package auth
