package apitest

import (
	"net/http"
	"reflect"
	"testing"
)

// testSegmentUsers: GET /segments/{id}/used-by names the flags whose rules
// use a segment (with the environments where) and the segments whose
// conditions do, by id or name; an unused segment has none; an unknown one
// answers 404; removing the last use frees it for deletion.
func testSegmentUsers(t *testing.T, c *client) {
	seg := func(name string, conds ...map[string]any) {
		c.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": name, "conditions": conds})
	}
	inSegment := func(name string) map[string]any {
		return map[string]any{"operator": "inSegment", "value": name}
	}
	targeting := func(name string) map[string]any {
		return map[string]any{"rules": []any{map[string]any{"conditions": []any{inSegment(name)}, "serve": map[string]any{"variant": "on"}}}}
	}
	seg("beta")
	seg("staff", inSegment("beta"))
	f := c.create(map[string]any{"name": "uses-beta", "targeting": map[string]any{"production": targeting("beta"), "development": targeting("beta")}})
	c.create(map[string]any{"name": "uses-staff", "targeting": map[string]any{"staging": targeting("staff")}})

	type user struct {
		ID           string   `json:"_id"`
		Name         string   `json:"name"`
		Environments []string `json:"environments"`
	}
	var got struct {
		Segment  string
		Flags    []user
		Segments []user
	}
	c.Expect(http.StatusOK, "GET", "/segments/beta/used-by", nil).JSON(t, &got)
	if got.Segment != "beta" || !reflect.DeepEqual(got.Flags, []user{{f.ID, "uses-beta", []string{"development", "production"}}}) ||
		len(got.Segments) != 1 || got.Segments[0].Name != "staff" || got.Segments[0].ID == "" {
		t.Fatalf("beta used by %+v", got)
	}
	var staff struct {
		ID string `json:"_id"`
	}
	c.Expect(http.StatusOK, "GET", "/segments/staff", nil).JSON(t, &staff)
	c.Expect(http.StatusOK, "GET", "/segments/"+staff.ID+"/used-by", nil).JSON(t, &got)
	if got.Segment != "staff" || len(got.Flags) != 1 || got.Flags[0].Name != "uses-staff" || len(got.Segments) != 0 || got.Segments == nil {
		t.Fatalf("staff used by %+v", got)
	}
	c.expectError(http.StatusNotFound, "", "GET", "/segments/nobody/used-by", nil)

	// GET /segment-users answers the same for every segment, in the
	// segments' list order.
	type users struct {
		Segment  string
		Flags    []user
		Segments []user
	}
	var all []users
	var list []struct{ Name string }
	c.Expect(http.StatusOK, "GET", "/segment-users", nil).JSON(t, &all)
	c.Expect(http.StatusOK, "GET", "/segments", nil).JSON(t, &list)
	if len(all) != len(list) {
		t.Fatalf("GET /segment-users: %d entries for %d segments: %+v", len(all), len(list), all)
	}
	for i, u := range all {
		var one users
		c.Expect(http.StatusOK, "GET", "/segments/"+list[i].Name+"/used-by", nil).JSON(t, &one)
		if u.Segment != list[i].Name || !reflect.DeepEqual(u, one) {
			t.Errorf("GET /segment-users[%d] = %+v, want %+v (used-by of %s)", i, u, one, list[i].Name)
		}
	}

	c.Expect(http.StatusOK, "DELETE", "/flags/uses-staff/targeting/staging", nil)
	c.Expect(http.StatusOK, "GET", "/segments/staff/used-by", nil).JSON(t, &got)
	if len(got.Flags) != 0 || len(got.Segments) != 0 {
		t.Fatalf("staff still used by %+v", got)
	}
	c.Expect(http.StatusNoContent, "DELETE", "/segments/staff", nil)
}
