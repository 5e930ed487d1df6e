package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
)

// Export returns everything the store holds, read at one revision, in a
// canonical form: flags carry a state for exactly the existing environments
// (as the API shows them), flags and segments are ordered by name, and
// empty lists are empty rather than nil, so that equal data exports as
// identical JSON from every store. Beside the data it carries the
// schedules still to run, the open change requests and the webhooks
// (datasetextras.go).
func (s *Service) Export(ctx context.Context) (*ff.Dataset, error) {
	d, err := s.exportData(ctx)
	if err != nil {
		return nil, err
	}
	return d, s.exportExtras(ctx, d)
}

// exportData is Export's data alone: environments, segments and flags.
func (s *Service) exportData(ctx context.Context) (*ff.Dataset, error) {
	d, err := s.Store().Load(ctx)
	if err != nil {
		return nil, err
	}
	if d.Environments == nil {
		d.Environments = []*ff.Environment{}
	}
	if d.Flags == nil {
		d.Flags = []*ff.Flag{}
	}
	if d.Segments == nil {
		d.Segments = []*ff.Segment{}
	}
	envs := make([]string, len(d.Environments))
	for i, e := range d.Environments {
		envs[i] = e.Name
	}
	for _, f := range d.Flags {
		view.Complete(f, envs)
		if len(f.Variants) == 0 {
			f.Variants = nil
		}
		if len(f.Tags) == 0 {
			f.Tags = nil
		}
		for _, t := range f.Targeting {
			for i := range t.Rules {
				if t.Rules[i].Conditions == nil {
					t.Rules[i].Conditions = []ff.Condition{}
				}
			}
		}
	}
	for _, sg := range d.Segments {
		if sg.Conditions == nil {
			sg.Conditions = []ff.Condition{}
		}
	}
	byName := func(a, b string) int { return strings.Compare(a, b) }
	slices.SortStableFunc(d.Flags, func(a, b *ff.Flag) int { return byName(a.Name, b.Name) })
	slices.SortStableFunc(d.Segments, func(a, b *ff.Segment) int { return byName(a.Name, b.Name) })
	return d, nil
}

// Import validates d completely and then loads it into the store in one
// Store.Import: environments are added (an existing one of the same name
// keeps its place and takes the settings of d's), and segments and flags are inserted or replace those of the same
// id or name. Nothing is written unless everything is valid: names, texts,
// ids, versions, variants, targeting, segment references and cycles, and
// the environments flags mention (which must be in d or in the store), also
// for what the store keeps beside d. d.Revision is ignored and d itself is
// not changed. Errors name the culprit, e.g. field
// "flags[3].targeting.production.rules[0].serve.variant".
func (s *Service) Import(ctx context.Context, d *ff.Dataset) error {
	if d == nil {
		return ff.Errorf(ff.EINVALID, "no dataset to import")
	}
	in, err := prepareImport(d)
	if err != nil {
		return err
	}
	if err := prepareExtras(d, in); err != nil {
		return err
	}
	return s.Write(ctx, func(*view.View) error {
		// The store as it is now, not the view, which another process's
		// writes may have outdated.
		cur, err := s.Store().Load(ctx)
		if err != nil {
			return err
		}
		if err := validateImport(in, cur, s.limits); err != nil {
			return err
		}
		if err := s.validateExtras(ctx, in, flagIDsAfter(in, cur), targetEnvironments(cur, in, false)); err != nil {
			return err
		}
		if err := s.Store().Import(s.audited(ctx, ActionImport, "dataset", "", "import", "", nil, importSummary(in)), in); err != nil {
			return err
		}
		return s.importExtras(ctx, in)
	}, nil)
}

// importSummary is the audit trail's after of an import: the names of
// what it imported (the items themselves can be exported, and a whole
// dataset would make one enormous event).
func importSummary(d *ff.Dataset) any {
	sum := struct {
		Environments []string `json:"environments"`
		Segments     []string `json:"segments"`
		Flags        []string `json:"flags"`
	}{[]string{}, []string{}, []string{}}
	for _, e := range d.Environments {
		sum.Environments = append(sum.Environments, e.Name)
	}
	for _, sg := range d.Segments {
		sum.Segments = append(sum.Segments, sg.Name)
	}
	for _, f := range d.Flags {
		sum.Flags = append(sum.Flags, f.Name)
	}
	return sum
}

// prepareImport checks what can be checked of d alone (nil items, names,
// ids, versions, duplicates) and returns a copy of it with the defaults the
// service gives new items (boolean type, match "all").
func prepareImport(d *ff.Dataset) (*ff.Dataset, error) {
	in := &ff.Dataset{
		Environments: make([]*ff.Environment, 0, len(d.Environments)),
		Segments:     make([]*ff.Segment, 0, len(d.Segments)),
		Flags:        make([]*ff.Flag, 0, len(d.Flags)),
	}
	envNames := map[string]int{}
	for i, e := range d.Environments {
		at := fmt.Sprintf("environments[%d]", i)
		if e == nil {
			return nil, ff.FieldErrorf(at, "%s is null; give an environment object", at)
		}
		if err := within(at, "environment", e.Name, ff.ValidateName("name", e.Name)); err != nil {
			return nil, err
		}
		if j, dup := envNames[e.Name]; dup {
			return nil, ff.FieldErrorf(at+".name", "environment %q is listed twice, as environments[%d] and %s", e.Name, j, at)
		}
		envNames[e.Name] = i
		if e.RequireApproval < 0 || e.RequireApproval > ff.MaxRequireApproval {
			return nil, ff.FieldErrorf(at+".requireApproval", "requireApproval must be 0 (off) to %d approvals", ff.MaxRequireApproval)
		}
		c := *e
		in.Environments = append(in.Environments, &c)
	}

	segNames, segIDs := map[string]int{}, map[string]int{}
	for i, sg := range d.Segments {
		at := fmt.Sprintf("segments[%d]", i)
		if sg == nil {
			return nil, ff.FieldErrorf(at, "%s is null; give a segment object", at)
		}
		if err := within(at, "segment", sg.Name, checkIdentity(sg.Name, sg.ID, sg.Version)); err != nil {
			return nil, err
		}
		if j, dup := segNames[sg.Name]; dup {
			return nil, ff.FieldErrorf(at+".name", "segment name %q is used twice, by segments[%d] and %s", sg.Name, j, at)
		}
		if j, dup := segIDs[sg.ID]; dup {
			return nil, ff.FieldErrorf(at+"._id", "segment id %q is used twice, by segments[%d] and %s", sg.ID, j, at)
		}
		segNames[sg.Name], segIDs[sg.ID] = i, i
		c := *sg
		if c.Match == "" {
			c.Match = "all"
		}
		in.Segments = append(in.Segments, &c)
	}

	flagNames, flagIDs := map[string]int{}, map[string]int{}
	for i, f := range d.Flags {
		at := fmt.Sprintf("flags[%d]", i)
		if f == nil {
			return nil, ff.FieldErrorf(at, "%s is null; give a flag object", at)
		}
		if err := within(at, "flag", f.Name, checkIdentity(f.Name, f.ID, f.Version)); err != nil {
			return nil, err
		}
		if j, dup := flagNames[f.Name]; dup {
			return nil, ff.FieldErrorf(at+".name", "flag name %q is used twice, by flags[%d] and %s", f.Name, j, at)
		}
		if j, dup := flagIDs[f.ID]; dup {
			return nil, ff.FieldErrorf(at+"._id", "flag id %q is used twice, by flags[%d] and %s", f.ID, j, at)
		}
		flagNames[f.Name], flagIDs[f.ID] = i, i
		for env, t := range f.Targeting {
			if t == nil {
				return nil, ff.FieldErrorf(at+".targeting."+env, "flag %q (%s): the targeting of %q is null; leave the environment out instead", f.Name, at, env)
			}
		}
		c := f.Clone()
		if c.Type == "" {
			c.Type = ff.TypeBoolean
		}
		in.Flags = append(in.Flags, c)
	}
	return in, nil
}

// checkIdentity checks what every imported flag and segment needs beyond
// what creating one through the API would check: an id and a version.
func checkIdentity(name, id string, version int64) error {
	if err := ff.ValidateName("name", name); err != nil {
		return err
	}
	if id == "" {
		return ff.FieldErrorf("_id", "_id is required")
	}
	if err := validateText("_id", id, ff.MaxNameLength); err != nil {
		return err
	}
	if version < 1 {
		return ff.FieldErrorf("version", "version must be at least 1, not %d", version)
	}
	return nil
}

// validateImport checks in, a prepared import, as it would land on cur, the
// store's current content: every imported item is validated against the
// environments and segments the store will hold afterwards, and what the
// store keeps must not use a segment the import removes. The imported flags
// are completed for those environments, as the service completes a flag it
// creates.
func validateImport(in, cur *ff.Dataset, limits Limits) error {
	envs := targetEnvironments(cur, in, false)

	// Segments after the import: the imported ones, and the stored ones
	// whose id and name no imported segment takes.
	segments := map[string]*ff.Segment{}
	importedSeg := map[string]bool{} // ids and names
	for _, sg := range in.Segments {
		segments[sg.Name] = sg
		importedSeg["id:"+sg.ID], importedSeg["name:"+sg.Name] = true, true
	}
	var keptSegments []*ff.Segment
	for _, sg := range cur.Segments {
		if !importedSeg["id:"+sg.ID] && !importedSeg["name:"+sg.Name] {
			segments[sg.Name] = sg
			keptSegments = append(keptSegments, sg)
		}
	}
	importedFlag := map[string]bool{}
	for _, f := range in.Flags {
		importedFlag["id:"+f.ID], importedFlag["name:"+f.Name] = true, true
	}

	for i, sg := range in.Segments {
		if err := within(fmt.Sprintf("segments[%d]", i), "segment", sg.Name, checkSegment(sg, segments, limits)); err != nil {
			return err
		}
	}
	for i, f := range in.Flags {
		if err := within(fmt.Sprintf("flags[%d]", i), "flag", f.Name, validateFlag(f, envs, segments, limits)); err != nil {
			return err
		}
		view.Complete(f, envs)
	}
	// Imported items replace stored ones by id or name: a stored segment
	// whose id an imported segment of another name takes disappears under
	// its old name, which what the store keeps may still use.
	var kept []*ff.Flag
	for _, f := range cur.Flags {
		if !importedFlag["id:"+f.ID] && !importedFlag["name:"+f.Name] {
			kept = append(kept, f)
		}
	}
	if err := limits.checkFlagCount(len(kept), len(in.Flags)); err != nil {
		return err
	}
	byName := map[string]*ff.Flag{}
	for _, f := range slices.Concat(kept, in.Flags) {
		byName[f.Name] = f
	}
	for i, f := range in.Flags {
		err := checkPrerequisiteVariants(f, func(name string) *ff.Flag { return byName[name] })
		if err := within(fmt.Sprintf("flags[%d]", i), "flag", f.Name, err); err != nil {
			return err
		}
	}
	for _, sg := range cur.Segments {
		if _, ok := segments[sg.Name]; ok {
			continue
		}
		if user := segmentUser(kept, keptSegments, sg.Name); user != "" {
			return ff.Errorf(ff.EINVALID, "the import replaces segment %q (id %s) by one of another name, but %s, which the store keeps, uses it", sg.Name, sg.ID, user)
		}
	}
	return nil
}

// flagIDsAfter returns the ids of the flags the store will hold after
// importing in over cur: in's, and cur's whose name no imported flag takes.
func flagIDsAfter(in, cur *ff.Dataset) map[string]bool {
	ids, names := map[string]bool{}, map[string]bool{}
	for _, f := range in.Flags {
		ids[f.ID], names[f.Name] = true, true
	}
	for _, f := range cur.Flags {
		if !names[f.Name] {
			ids[f.ID] = true
		}
	}
	return ids
}

// within places err, an error about one item of a dataset, at path (such as
// "flags[3]"): its field becomes path.field and its message names the item.
func within(path, kind, name string, err error) error {
	if err == nil {
		return nil
	}
	var e *ff.Error
	if !errors.As(err, &e) {
		return err
	}
	field := path
	if e.Field != "" {
		field += "." + e.Field
	}
	what := fmt.Sprintf("%s %q (%s)", kind, name, path)
	if name == "" {
		what = fmt.Sprintf("%s %s", kind, path)
	}
	return &ff.Error{Code: e.Code, Field: field, Message: what + ": " + e.Message, Limit: e.Limit}
}
