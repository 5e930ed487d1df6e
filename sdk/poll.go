package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/featureflags/featureflags/wire"
)

// poll fetches the configuration once, conditionally on the revision held.
func (c *Client) poll() error {
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.ReadTimeout)
	defer cancel()
	req, err := c.request(ctx, wire.ConfigPath)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", wire.ContentTypeJSON)
	if c.cur.Load() != nil {
		req.Header.Set("If-None-Match", wire.ETag(c.Revision()))
	}
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
	case http.StatusOK:
		var cfg wire.Config
		if err := json.NewDecoder(resp.Body).Decode(&cfg); err != nil {
			return fmt.Errorf("featureflags: the configuration does not decode: %w", err)
		}
		if err := c.applySnapshot(&cfg, true); err != nil {
			return err
		}
		c.dirtyCache()
	default:
		return responseError(resp)
	}
	c.connected()
	return nil
}
