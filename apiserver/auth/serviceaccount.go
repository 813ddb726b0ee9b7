package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ServiceAccount names and groups, as upstream's.
const (
	serviceAccountUserPrefix  = "system:serviceaccount:"
	GroupServiceAccounts      = "system:serviceaccounts"
	serviceAccountGroupPrefix = "system:serviceaccounts:"

	// Issuer is the engine's ServiceAccount token issuer, and the audience a token gets
	// when its request names none (kube-apiserver's --api-audiences defaults to the issuer).
	Issuer = "https://kubernetes.default.svc"
	// legacyIssuer is the issuer of tokens in kubernetes.io/service-account-token Secrets.
	legacyIssuer = "kubernetes/serviceaccount"

	// SigningKeyFile holds the key ServiceAccount tokens are signed with.
	SigningKeyFile = "sa.key"
)

// ServiceAccountUsername is the user name of a ServiceAccount: system:serviceaccount:NS:NAME.
func ServiceAccountUsername(namespace, name string) string {
	return serviceAccountUserPrefix + namespace + ":" + name
}

// ServiceAccountUser is the user a ServiceAccount token authenticates as.
func ServiceAccountUser(namespace, name, uid string) User {
	return User{
		Name:   ServiceAccountUsername(namespace, name),
		UID:    uid,
		Groups: []string{GroupServiceAccounts, serviceAccountGroupPrefix + namespace, GroupAuthenticated},
	}
}

// SplitServiceAccountUsername returns the namespace and name of a ServiceAccount user name.
func SplitServiceAccountUsername(user string) (namespace, name string, ok bool) {
	rest, ok := strings.CutPrefix(user, serviceAccountUserPrefix)
	if !ok {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ":")
	if !ok || namespace == "" || name == "" || strings.Contains(name, ":") {
		return "", "", false
	}
	return namespace, name, true
}

// Signer issues and verifies ServiceAccount tokens: JWTs signed with ES256 by a P-256 key
// kept in the data directory (sa.key, 0600). It is immutable and safe for concurrent use.
type Signer struct {
	key   *ecdsa.PrivateKey
	keyID string
}

// EnsureSigningKey loads dir/sa.key, creating it (0600, atomically) when missing.
func EnsureSigningKey(dir string) (*Signer, error) {
	path := filepath.Join(dir, SigningKeyFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate service account key: %w", err)
		}
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("encode service account key: %w", err)
		}
		data = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
		err = writeFileAtomic(path, data, 0o600, true)
		if errors.Is(err, fs.ErrExist) {
			return EnsureSigningKey(dir)
		}
		if err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("read service account key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("service account key %s: no PEM block", path)
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("service account key %s: %w", path, err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("service account key %s: %w", path, err)
	}
	sum := sha256.Sum256(pub)
	return &Signer{key: key, keyID: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

// ObjectRef names an object a token is bound to, or the ServiceAccount itself.
type ObjectRef struct {
	Name string `json:"name"`
	UID  string `json:"uid"`
}

// TokenClaims are what a ServiceAccount token says: upstream's private claims under
// "kubernetes.io" for bound tokens, or the legacy flat claims of a Secret's token.
type TokenClaims struct {
	Namespace      string
	ServiceAccount ObjectRef
	// Pod, Secret or Node is the object a bound token is bound to, when any.
	Pod, Secret, Node *ObjectRef
	Audiences         []string
	IssuedAt          time.Time
	Expiry            time.Time // zero for a legacy token, which does not expire
	Legacy            bool
	// JTI is a bound token's unique id (Verify fills it in; Issue makes one up).
	JTI string
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
	Typ string `json:"typ,omitempty"`
}

type boundClaims struct {
	Namespace      string     `json:"namespace"`
	ServiceAccount ObjectRef  `json:"serviceaccount"`
	Pod            *ObjectRef `json:"pod,omitempty"`
	Secret         *ObjectRef `json:"secret,omitempty"`
	Node           *ObjectRef `json:"node,omitempty"`
}

type jwtClaims struct {
	Issuer    string       `json:"iss"`
	Subject   string       `json:"sub"`
	Audience  audience     `json:"aud,omitempty"`
	Expiry    int64        `json:"exp,omitempty"`
	IssuedAt  int64        `json:"iat,omitempty"`
	NotBefore int64        `json:"nbf,omitempty"`
	JTI       string       `json:"jti,omitempty"`
	Kube      *boundClaims `json:"kubernetes.io,omitempty"`

	// legacy claims
	LegacyNamespace string `json:"kubernetes.io/serviceaccount/namespace,omitempty"`
	LegacySecret    string `json:"kubernetes.io/serviceaccount/secret.name,omitempty"`
	LegacySAName    string `json:"kubernetes.io/serviceaccount/service-account.name,omitempty"`
	LegacySAUID     string `json:"kubernetes.io/serviceaccount/service-account.uid,omitempty"`
}

// audience is a JWT "aud": a string or a list of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// Issue signs a token for claims. A bound token (not Legacy) carries exp, iat, nbf, a
// random jti and its audiences; a legacy one only the flat claims.
func (s *Signer) Issue(c TokenClaims) (string, error) {
	sub := ServiceAccountUsername(c.Namespace, c.ServiceAccount.Name)
	var claims jwtClaims
	if c.Legacy {
		secret := ""
		if c.Secret != nil {
			secret = c.Secret.Name
		}
		claims = jwtClaims{
			Issuer: legacyIssuer, Subject: sub,
			LegacyNamespace: c.Namespace, LegacySecret: secret,
			LegacySAName: c.ServiceAccount.Name, LegacySAUID: c.ServiceAccount.UID,
		}
	} else {
		jti := make([]byte, 16)
		if _, err := rand.Read(jti); err != nil {
			return "", fmt.Errorf("generate token id: %w", err)
		}
		claims = jwtClaims{
			Issuer: Issuer, Subject: sub, Audience: c.Audiences,
			Expiry: c.Expiry.Unix(), IssuedAt: c.IssuedAt.Unix(), NotBefore: c.IssuedAt.Unix(),
			JTI:  fmt.Sprintf("%x-%x-%x-%x-%x", jti[0:4], jti[4:6], jti[6:8], jti[8:10], jti[10:]),
			Kube: &boundClaims{Namespace: c.Namespace, ServiceAccount: c.ServiceAccount, Pod: c.Pod, Secret: c.Secret, Node: c.Node},
		}
	}
	header, _ := json.Marshal(jwtHeader{Alg: "ES256", Kid: s.keyID})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode token claims: %w", err)
	}
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signing))
	r, sig, err := ecdsa.Sign(rand.Reader, s.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	raw := make([]byte, 64)
	r.FillBytes(raw[:32])
	sig.FillBytes(raw[32:])
	return signing + "." + base64.RawURLEncoding.EncodeToString(raw), nil
}

// Errors Verify returns; none carries the token.
var (
	ErrNotServiceAccountToken = errors.New("not a service account token")
	ErrTokenInvalid           = errors.New("invalid service account token")
	ErrTokenExpired           = errors.New("service account token has expired")
	ErrTokenAudience          = errors.New("service account token audience does not match")
)

// AudienceError is a token for other audiences than the ones it is checked for. It is
// ErrTokenAudience and words itself as upstream's.
type AudienceError struct{ Token, Target []string }

func (e *AudienceError) Error() string {
	return fmt.Sprintf("token audiences %q is invalid for the target audiences %q", e.Token, e.Target)
}

func (e *AudienceError) Is(target error) bool { return target == ErrTokenAudience }

// Verify checks a token's signature (ES256 with this signer's key, nothing else), its
// issuer, time limits (a minute of leeway, as upstream) and audience (one of audiences;
// legacy tokens have none and pass), and returns its claims. The caller checks that the
// ServiceAccount and any bound object still exist.
func (s *Signer) Verify(token string, audiences []string, now time.Time) (TokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return TokenClaims{}, ErrNotServiceAccountToken
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return TokenClaims{}, ErrNotServiceAccountToken
	}
	var h jwtHeader
	if json.Unmarshal(hb, &h) != nil {
		return TokenClaims{}, ErrNotServiceAccountToken
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return TokenClaims{}, ErrNotServiceAccountToken
	}
	var c jwtClaims
	if json.Unmarshal(pb, &c) != nil || (c.Issuer != Issuer && c.Issuer != legacyIssuer) {
		return TokenClaims{}, ErrNotServiceAccountToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if h.Alg != "ES256" || err != nil || len(sig) != 64 {
		return TokenClaims{}, ErrTokenInvalid
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, sv := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&s.key.PublicKey, digest[:], r, sv) {
		return TokenClaims{}, ErrTokenInvalid
	}
	if c.Issuer == legacyIssuer {
		if c.LegacyNamespace == "" || c.LegacySAName == "" || c.LegacySAUID == "" || c.LegacySecret == "" ||
			c.Subject != ServiceAccountUsername(c.LegacyNamespace, c.LegacySAName) {
			return TokenClaims{}, ErrTokenInvalid
		}
		return TokenClaims{
			Legacy: true, Namespace: c.LegacyNamespace,
			ServiceAccount: ObjectRef{Name: c.LegacySAName, UID: c.LegacySAUID},
			Secret:         &ObjectRef{Name: c.LegacySecret},
		}, nil
	}
	if c.Kube == nil || c.Kube.Namespace == "" || c.Kube.ServiceAccount.Name == "" ||
		c.Subject != ServiceAccountUsername(c.Kube.Namespace, c.Kube.ServiceAccount.Name) {
		return TokenClaims{}, ErrTokenInvalid
	}
	const leeway = 60
	unix := now.Unix()
	if c.Expiry == 0 || unix > c.Expiry+leeway {
		return TokenClaims{}, ErrTokenExpired
	}
	if c.NotBefore != 0 && unix < c.NotBefore-leeway {
		return TokenClaims{}, ErrTokenInvalid
	}
	if !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(audiences, a) }) {
		return TokenClaims{}, &AudienceError{Token: c.Audience, Target: audiences}
	}
	return TokenClaims{
		Namespace: c.Kube.Namespace, ServiceAccount: c.Kube.ServiceAccount,
		Pod: c.Kube.Pod, Secret: c.Kube.Secret, Node: c.Kube.Node,
		Audiences: c.Audience, IssuedAt: time.Unix(c.IssuedAt, 0), Expiry: time.Unix(c.Expiry, 0), JTI: c.JTI,
	}, nil
}

// PublicKey is the key tokens are verified with.
func (s *Signer) PublicKey() crypto.PublicKey { return s.key.Public() }
