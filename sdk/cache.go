package sdk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/wire"
)

// cacheFile is the on-disk copy of the last configuration. Source binds it
// to the URL, key and environment it came from, so that a file left by
// another configuration is never served.
type cacheFile struct {
	Format int          `json:"format"`
	Source string       `json:"source"`
	Config *wire.Config `json:"config"`
}

const cacheFormat = 1

func (c *Client) cacheSource() string {
	h := sha256.Sum256([]byte(strings.Join([]string{c.opts.URL, c.opts.Key, c.opts.Environment}, "\x00")))
	return hex.EncodeToString(h[:])
}

// loadCache starts from the cached configuration, if there is a usable one.
func (c *Client) loadCache() bool {
	b, err := os.ReadFile(c.opts.CachePath)
	if err != nil {
		if !os.IsNotExist(err) {
			c.opts.Logger.Warn("featureflags: cannot read the cache", "path", c.opts.CachePath, "error", err)
		}
		return false
	}
	var f cacheFile
	if err := json.Unmarshal(b, &f); err != nil || f.Format != cacheFormat || f.Config == nil || f.Source != c.cacheSource() {
		c.opts.Logger.Warn("featureflags: ignoring a cache that is not this client's", "path", c.opts.CachePath)
		return false
	}
	if err := c.applySnapshot(f.Config, false); err != nil {
		return false
	}
	c.opts.Logger.Warn("featureflags: serving the cached configuration until the service answers", "revision", f.Config.Revision)
	return true
}

// dirtyCache asks the writer to persist the configuration.
func (c *Client) dirtyCache() {
	if c.opts.CachePath == "" {
		return
	}
	select {
	case c.dirty <- struct{}{}:
	default: // a write is already pending; it will take the latest
	}
}

// writer persists the configuration after changes, coalescing bursts, and
// once more on Close if a write is pending.
func (c *Client) writer() {
	defer close(c.writerDone)
	for {
		select {
		case <-c.dirty:
			c.persist()
		case <-c.stopWriter:
			select {
			case <-c.dirty:
				c.persist()
			default:
			}
			return
		}
	}
}

func (c *Client) persist() {
	c.mu.Lock()
	cfg := &wire.Config{Revision: c.rev, Environment: c.env, Segments: c.segments, Flags: make([]*featureflags.Flag, 0, len(c.flags))}
	for _, f := range c.flags {
		cfg.Flags = append(cfg.Flags, f)
	}
	c.mu.Unlock()
	slices.SortFunc(cfg.Flags, func(a, b *featureflags.Flag) int { return strings.Compare(a.Name, b.Name) })
	if err := writeAtomic(c.opts.CachePath, cacheFile{Format: cacheFormat, Source: c.cacheSource(), Config: cfg}); err != nil {
		c.opts.Logger.Warn("featureflags: cannot write the cache", "path", c.opts.CachePath, "error", err)
	}
}

// writeAtomic writes v as JSON to a temporary file beside path and renames
// it over path, so that a crash never leaves a torn file.
func writeAtomic(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
