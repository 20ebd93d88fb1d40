package cli

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
)

// config is what mp login stores.
type config struct {
	Server string `json:"server"`
	Token  string `json:"token"`
	// Locale is the user's web app language at sign-in: mp prints the
	// same language (MP_LANG overrides it).
	Locale string `json:"locale,omitempty"`
}

func configPath(e env) (string, error) {
	dir := e.Getenv("MP_CONFIG_DIR")
	if dir == "" {
		base := e.Getenv("XDG_CONFIG_HOME")
		if base == "" {
			home := e.Getenv("HOME")
			if home == "" {
				return "", errors.New(e.t("err.no_home"))
			}
			base = filepath.Join(home, ".config")
		}
		dir = filepath.Join(base, "mp")
	}
	return filepath.Join(dir, "config.json"), nil
}

func loadConfig(e env) (config, error) {
	var c config
	p, err := configPath(e)
	if err != nil {
		return c, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return c, errors.New(e.t("err.not_signed_in"))
	}
	if err != nil {
		// Go's words ("open ...: permission denied") said nothing a user
		// of mp could act on; the file and what to do are said instead.
		return c, errors.New(e.f("err.config_unreadable", p))
	}
	if err := json.Unmarshal(b, &c); err != nil {
		// A file edited by hand or cut short: mp printed the JSON
		// decoder's English ("invalid character 'o' in literal null").
		return c, errors.New(e.f("err.config_unreadable", p))
	}
	return c, nil
}

func saveConfig(e env, c config) error {
	p, err := configPath(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	return os.WriteFile(p, b, 0o600) // the token is a secret
}
