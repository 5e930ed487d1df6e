package storetest

import (
	"reflect"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

func timePtr(t time.Time) *time.Time { return &t }

func revision(t *testing.T, s ff.Reviser) int64 {
	t.Helper()
	rev, err := s.Revision(ctx(t))
	must(t, err)
	return rev
}

func findToken(t *testing.T, s ff.TokenStore, hash string) *ff.Token {
	t.Helper()
	got, err := s.FindTokenByHash(ctx(t), hash)
	must(t, err)
	return got
}

func testTokens(t *testing.T, s ff.Store) {
	tokens, err := s.ListTokens(ctx(t))
	must(t, err)
	if len(tokens) != 0 {
		t.Fatalf("new store has tokens %v", dump(tokens))
	}
	admin := &ff.Token{ID: ff.NewID(), Name: "ci", Role: ff.RoleAdmin, Hash: strings.Repeat("a1", 32), CreatedAt: now}
	key := &ff.Token{ID: ff.NewID(), Name: "web", Role: ff.RoleClientKey, Environment: "qa.eu-1", Hash: strings.Repeat("b2", 32),
		CreatedAt: now.Add(time.Second), ExpiresAt: timePtr(now.Add(90 * 24 * time.Hour))}
	full := &ff.Token{ID: ff.NewID(), Name: "old", Role: ff.RoleViewer, Hash: strings.Repeat("c3", 32),
		CreatedAt: now.Add(2 * time.Second), ExpiresAt: timePtr(now.Add(time.Hour)),
		LastUsedAt: timePtr(now.Add(3 * time.Second)), RevokedAt: timePtr(now.Add(4 * time.Second))}

	rev := revision(t, s)
	for _, tok := range []*ff.Token{admin, key, full} {
		must(t, s.CreateToken(ctx(t), tok))
		if r := revision(t, s); r <= rev {
			t.Fatalf("creating a token left the revision at %d", r)
		} else {
			rev = r
		}
	}
	// Optional times round trip, nil staying nil.
	for _, want := range []*ff.Token{admin, key, full} {
		if got := findToken(t, s, want.Hash); !reflect.DeepEqual(got, want) {
			t.Fatalf("token round trip:\n got %s\nwant %s", dump(got), dump(want))
		}
	}
	_, err = s.FindTokenByHash(ctx(t), strings.Repeat("d4", 32))
	mustCode(t, err, ff.ENOTFOUND)

	// A duplicate hash is refused, and changes nothing.
	dup := &ff.Token{ID: ff.NewID(), Name: "copy", Role: ff.RoleEditor, Hash: admin.Hash, CreatedAt: now.Add(time.Hour)}
	mustField(t, s.CreateToken(ctx(t), dup), ff.ECONFLICT, "")
	dup = &ff.Token{ID: admin.ID, Name: "copy", Role: ff.RoleEditor, Hash: strings.Repeat("e5", 32), CreatedAt: now.Add(time.Hour)}
	mustField(t, s.CreateToken(ctx(t), dup), ff.ECONFLICT, "_id")
	if r := revision(t, s); r != rev {
		t.Fatalf("a refused token moved the revision from %d to %d", rev, r)
	}

	// Newest first, revoked ones included.
	tokens, err = s.ListTokens(ctx(t))
	must(t, err)
	if want := []*ff.Token{full, key, admin}; !reflect.DeepEqual(tokens, want) {
		t.Fatalf("ListTokens:\n got %s\nwant %s", dump(tokens), dump(want))
	}

	rev = checkRevokeToken(t, s, admin, rev)
	checkTouchTokens(t, s, rev, admin, key, full)
}

// checkRevokeToken revokes admin, not revoked yet and created before the
// store reached revision rev, and returns the revision after.
func checkRevokeToken(t *testing.T, s ff.Store, admin *ff.Token, rev int64) int64 {
	// Revoking twice keeps the first time; both move the revision.
	first, second := now.Add(time.Minute), now.Add(2*time.Minute)
	must(t, s.RevokeToken(ctx(t), admin.ID, first))
	if r := revision(t, s); r <= rev {
		t.Fatalf("revoking left the revision at %d", r)
	} else {
		rev = r
	}
	must(t, s.RevokeToken(ctx(t), admin.ID, second))
	rev = revision(t, s)
	if got := findToken(t, s, admin.Hash); got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
		t.Fatalf("revoked at %v, want the first revocation's %v", got.RevokedAt, first)
	}
	mustCode(t, s.RevokeToken(ctx(t), "missing", first), ff.ENOTFOUND)
	if r := revision(t, s); r != rev {
		t.Fatalf("revoking a missing token moved the revision from %d to %d", rev, r)
	}
	return rev
}

// checkTouchTokens touches the three tokens of testTokens at revision rev.
func checkTouchTokens(t *testing.T, s ff.Store, rev int64, admin, key, full *ff.Token) {
	// Touching records last-used times, skips unknown ids, never moves a
	// time back and leaves the revision and the other fields alone.
	used := now.Add(time.Hour)
	must(t, s.TouchTokens(ctx(t), map[string]time.Time{admin.ID: used, key.ID: used.Add(time.Second), "missing": used}))
	must(t, s.TouchTokens(ctx(t), map[string]time.Time{full.ID: now}))
	must(t, s.TouchTokens(ctx(t), nil))
	if r := revision(t, s); r != rev {
		t.Fatalf("touching tokens moved the revision from %d to %d", rev, r)
	}
	for _, c := range []struct {
		tok  *ff.Token
		want time.Time
	}{{admin, used}, {key, used.Add(time.Second)}, {full, *full.LastUsedAt}} {
		got := findToken(t, s, c.tok.Hash)
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(c.want) {
			t.Fatalf("token %s last used %v, want %v", c.tok.Name, got.LastUsedAt, c.want)
		}
		got.LastUsedAt, got.RevokedAt = c.tok.LastUsedAt, c.tok.RevokedAt
		if !reflect.DeepEqual(got, c.tok) {
			t.Fatalf("touching changed more than the last-used time:\n got %s\nwant %s", dump(got), dump(c.tok))
		}
	}
	tokens, err := s.ListTokens(ctx(t))
	must(t, err)
	if len(tokens) != 3 {
		t.Fatalf("%d tokens, want 3", len(tokens))
	}
}
