package seal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/motesplats/motesplats/pkg/envvar"
)

// KeySize is the size of every key here: AES-256.
const KeySize = 32

// kekIDSize is the length of a KEK id in a wrapped data key's header.
const kekIDSize = 8

// KEK is a key-encryption key: it wraps the per-person data keys, which
// never leave the key store unwrapped. It comes from configuration
// (MP_DATA_KEY or MP_DATA_KEY_FILE), never from JetStream, so a copy of
// the JetStream files alone opens nothing.
type KEK struct {
	// ID names the key in a wrapped data key's header, so rotation can
	// tell which KEK wrapped what. It is derived from the key (a hash), so
	// configuration carries only the key itself.
	ID  [kekIDSize]byte
	key []byte
}

// NewKEK checks and wraps 32 key bytes.
func NewKEK(key []byte) (KEK, error) {
	if len(key) != KeySize {
		return KEK{}, fmt.Errorf("seal: a data key must be %d bytes, got %d", KeySize, len(key))
	}
	var k KEK
	sum := sha256.Sum256(append([]byte("motesplats/kek-id/v1\x00"), key...))
	copy(k.ID[:], sum[:kekIDSize])
	k.key = append([]byte(nil), key...)
	return k, nil
}

// ParseKEK decodes a base64 (standard or URL, padded or not) 32-byte key.
func ParseKEK(s string) (KEK, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return NewKEK(b)
		}
	}
	return KEK{}, errors.New("seal: a data key must be base64 of 32 bytes")
}

// String shows the key id only, so a KEK printed by accident leaks nothing.
func (k KEK) String() string { return "kek:" + hex.EncodeToString(k.ID[:]) }

// GenerateKEK returns a new random KEK encoded as configuration expects it.
func GenerateKEK() (string, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("seal: generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// KEKsFromEnv reads the key-encryption keys: MP_DATA_KEY (base64 of 32
// bytes) or MP_DATA_KEY_FILE (a file whose first line is that), and
// MP_DATA_KEY_OLD (comma-separated earlier keys, accepted for unwrapping
// only while Rewrap moves every data key to the current one). It returns
// the current key first. Neither variable set is an error naming both.
func KEKsFromEnv(getenv func(string) string) ([]KEK, error) {
	const want = "base64 of 32 bytes (go run ./services/stack keygen makes one)"
	cur := getenv("MP_DATA_KEY")
	if file := getenv("MP_DATA_KEY_FILE"); cur == "" && file != "" {
		ks, err := ReadKeyFile(file)
		if err != nil {
			return nil, &envvar.Error{Var: "MP_DATA_KEY_FILE", Value: file, Problem: fileProblem(err), Want: "a readable file whose first line is the data key"}
		}
		if _, err := ParseKEK(ks); err != nil {
			return nil, &envvar.Error{Var: "MP_DATA_KEY_FILE", Value: file, Problem: "its first line is not a data key", Want: "a file whose first line is " + want}
		}
		cur = ks
	}
	if cur == "" {
		return nil, &envvar.Error{Var: "MP_DATA_KEY", Secret: true, Problem: "required (or MP_DATA_KEY_FILE) and empty", Want: want + ": the key that wraps personal data keys"}
	}
	k, err := ParseKEK(cur)
	if err != nil {
		return nil, &envvar.Error{Var: "MP_DATA_KEY", Secret: true, Problem: "not a data key", Want: want}
	}
	old, err := OldKEKs(getenv("MP_DATA_KEY_OLD"))
	if err != nil {
		return nil, err
	}
	return append([]KEK{k}, old...), nil
}

// OldKEKs parses MP_DATA_KEY_OLD: earlier data keys separated by commas
// (blanks between are ignored), or none when s is empty.
func OldKEKs(s string) ([]KEK, error) {
	var keys []KEK
	for i, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, err := ParseKEK(part)
		if err != nil {
			return nil, &envvar.Error{Var: "MP_DATA_KEY_OLD", Secret: true, Problem: fmt.Sprintf("key %d of the list is not a data key", i+1),
				Want: "earlier data keys, each base64 of 32 bytes, separated by commas"}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// fileProblem says in words why a key file could not be read.
func fileProblem(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "the file is not readable by this user"
	}
	return "the file cannot be read"
}

// ReadKeyFile returns the first line of a key file.
func ReadKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("seal: read key file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line), nil
}

// LoadOrCreateKeyFile reads the KEK in path, or creates the file (mode
// 0600, written completely before it appears under its name) with a new
// random key. The embedded stack keeps its key there; production passes
// MP_DATA_KEY from a secret store instead.
func LoadOrCreateKeyFile(path string) (KEK, error) {
	s, err := ReadKeyFile(path)
	if err == nil {
		return ParseKEK(s)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return KEK{}, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return KEK{}, fmt.Errorf("seal: key directory: %w", err)
	}
	enc, err := GenerateKEK()
	if err != nil {
		return KEK{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".datakey-*") // mode 0600
	if err != nil {
		return KEK{}, fmt.Errorf("seal: create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(enc + "\n")
	serr := tmp.Sync()
	if err := errors.Join(werr, serr, tmp.Close()); err != nil {
		return KEK{}, fmt.Errorf("seal: write key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return LoadOrCreateKeyFile(path) // another process won the race
		}
		return KEK{}, fmt.Errorf("seal: create key file: %w", err)
	}
	return ParseKEK(enc)
}
