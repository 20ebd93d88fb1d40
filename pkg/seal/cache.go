package seal

import "crypto/cipher"

// The key cache (ADR 0030) holds raw data keys, and ciphers only for the
// people sealed or opened for lately (ADR 0151).

// entry is a cached data key, held raw (no pointers for the collector to
// follow); shredded entries remember that the key is gone, which never
// changes back, and overwrite the key's bytes in place.
type entry struct {
	dek      [KeySize]byte
	shredded bool
}

// entryOf copies dek into an entry and clears dek, so the one copy left
// is the cache's.
func entryOf(dek []byte) entry {
	var e entry
	copy(e.dek[:], dek)
	clear(dek)
	return e
}

// preload caches a stored key while the cache has room; a key that does
// not unwrap is left for the path that needs it to report.
func (k *Keyring) preload(subject string, wrapped []byte) {
	k.mu.RLock()
	_, have := k.cache[subject]
	full := len(k.cache) >= k.cfg.CacheSize
	k.mu.RUnlock()
	if have || full {
		return
	}
	dek, err := k.unwrap(subject, wrapped)
	if err != nil {
		return
	}
	k.put(subject, entryOf(dek))
}

func (k *Keyring) put(subject string, e entry) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if old, ok := k.cache[subject]; ok && old.shredded {
		return // a shred seen meanwhile wins
	}
	if _, ok := k.cache[subject]; !ok && len(k.cache) >= k.cfg.CacheSize {
		// Evict one arbitrary entry (map order is random): O(1), and
		// good enough for a cache whose misses cost one KV read.
		k.evictOneLocked()
	}
	k.cache[subject] = e
}

// evictOneLocked drops one arbitrary cached key and its cipher.
func (k *Keyring) evictOneLocked() {
	for s := range k.cache {
		delete(k.cache, s)
		delete(k.ciphers, s)
		break
	}
}

// cipherFor builds the cipher for subject's cached key e and keeps it
// among the recent ones, unless a shred (or an eviction) took the key
// meanwhile: a shredded key's cipher is never kept.
func (k *Keyring) cipherFor(subject string, e entry) (cipher.AEAD, error) {
	aead, err := newAEAD(e.dek[:])
	clear(e.dek[:])
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if cur, ok := k.cache[subject]; ok && cur.shredded {
		return nil, ErrShredded
	} else if !ok {
		return aead, nil // evicted meanwhile: use it once, keep nothing
	}
	if len(k.ciphers) >= min(recentCiphers, k.cfg.CacheSize) {
		for s := range k.ciphers {
			delete(k.ciphers, s)
			break
		}
	}
	k.ciphers[subject] = aead
	return aead, nil
}

func (k *Keyring) setShredded(subject string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.cache[subject]; !ok && len(k.cache) >= k.cfg.CacheSize {
		k.evictOneLocked()
	}
	// Assigning over the subject's entry overwrites its key's bytes.
	k.cache[subject] = entry{shredded: true}
	delete(k.ciphers, subject)
}

// evict drops subject's cached key and cipher, unless it is known to be
// shredded, so the next use reads it again (an owner's keyring, ADR 0234).
func (k *Keyring) evict(subject string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.cache[subject]; ok && e.shredded {
		return
	}
	delete(k.cache, subject)
	delete(k.ciphers, subject)
}
