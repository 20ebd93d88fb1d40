package server_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/services/gateway/server"
)

// provider is a small but real OpenID Connect provider: discovery, an
// authorization endpoint that approves at once, a token endpoint that
// checks the client, the code, the redirect and the PKCE verifier and
// returns an RS256 ID token, and the key set. The next sign-in's identity
// and any fault to inject are set per case.
type provider struct {
	t   testing.TB
	srv *httptest.Server
	key *rsa.PrivateKey

	mu    sync.Mutex // guards the fields below
	down  bool       // discovery answers 503
	next  identity
	codes map[string]grant
}

// identity is who the provider says signs in next, and how it misbehaves.
type identity struct {
	email    string
	verified any // email_verified claim; nil leaves it out
	// tamper changes the claims (a wrong nonce, audience, expiry).
	tamper func(claims map[string]any)
	// badState returns a state other than the one the gateway sent.
	badState bool
}

type grant struct{ nonce, challenge, redirect string }

func newProvider(t testing.TB) *provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{t: t, key: key, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /keys", p.keys)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *provider) config() server.OIDCConfig {
	return server.OIDCConfig{Issuer: p.srv.URL, ClientID: oidcClientID, ClientSecret: oidcSecret, Name: "Kommunkonto", RetryEvery: time.Millisecond}
}

func (p *provider) set(id identity) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next = id
}

func (p *provider) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *provider) discovery(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	u := p.srv.URL
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token", "jwks_uri": u + "/keys",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

// authorize approves at once, after checking the request is a proper
// code flow with PKCE (S256) and a nonce.
func (p *provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": oidcClientID, "code_challenge_method": "S256"} {
		if q.Get(k) != want {
			http.Error(w, fmt.Sprintf("%s = %q, want %q", k, q.Get(k), want), http.StatusBadRequest)
			return
		}
	}
	if !strings.Contains(" "+q.Get("scope")+" ", " openid ") || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || q.Get("redirect_uri") == "" {
		http.Error(w, "not an OIDC code flow with PKCE, nonce and state", http.StatusBadRequest)
		return
	}
	code := base64.RawURLEncoding.EncodeToString(randBytes(16))
	p.mu.Lock()
	p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	state := q.Get("state")
	if p.next.badState {
		state += "x"
	}
	p.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", state)
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != oidcClientID || secret != oidcSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	p.mu.Lock()
	g, ok := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code")) // one use
	next := p.next
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !ok || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirect ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss": p.srv.URL, "sub": "subject-" + next.email, "aud": oidcClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": g.nonce, "email": next.email,
	}
	if next.verified != nil {
		claims["email_verified"] = next.verified
	}
	if next.tamper != nil {
		next.tamper(claims)
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": "at-" + r.PostForm.Get("code"), "token_type": "Bearer", "expires_in": 300, "id_token": p.sign(claims)})
}

// sign makes an RS256 JWT.
func (p *provider) sign(claims map[string]any) string {
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			p.t.Error(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(map[string]string{"alg": "RS256", "kid": "k1", "typ": "JWT"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		p.t.Error(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (p *provider) keys(w http.ResponseWriter, _ *http.Request) {
	pub := p.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
