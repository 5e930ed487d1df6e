-- Segment references are checked by the database, inside the transaction of
-- every write, so that replicas racing each other cannot leave a flag
-- referring to a deleted or renamed segment, nor segments referring to each
-- other in a cycle. The checks raise SQLSTATEs of class FF, which the store
-- turns into the domain's errors: FF001 a missing segment (message: its
-- name, column: the field at fault), FF002 a segment in use (message: its
-- name, detail: its user, column: "name" for a rename), FF003 a cycle
-- (message: the names along it).
--
-- The triggers run BEFORE the rows are written, so within the one statement
-- that also increments the revision they take their locks before that
-- statement locks the revision row; the segment lock comes first of all
-- (a statement trigger), before the row locks. Import sets featureflags.deferred_refs
-- for its transaction, to insert segments referring to each other in any
-- order, and checks everything at its end (featureflags_check_all).

-- The names of the segments a flag's targeting or a segment's conditions
-- refer to.
CREATE FUNCTION featureflags_segment_refs(doc jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT v #>> '{}'
      FROM jsonb_path_query(doc, 'lax $.** ? (@.operator == "inSegment" || @.operator == "notInSegment").value') AS v
     WHERE jsonb_typeof(v) = 'string'
$$;

-- Raises FF001 unless every segment doc refers to exists, and locks those
-- that do (FOR KEY SHARE) until the transaction ends: a concurrent delete or
-- rename of one waits for this transaction, then sees its references.
CREATE FUNCTION featureflags_require_segments(doc jsonb, field text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    ref text;
BEGIN
    FOR ref IN SELECT featureflags_segment_refs(doc) LOOP
        PERFORM 1 FROM segments WHERE name = ref FOR KEY SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'FF001', MESSAGE = ref, COLUMN = field;
        END IF;
    END LOOP;
END $$;

-- Raises FF002 if a flag or another segment refers to the segment seg,
-- unless a segment other than the one with id self has that name.
CREATE FUNCTION featureflags_refuse_used(seg text, self text, field text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    used_by text;
BEGIN
    IF EXISTS (SELECT 1 FROM segments WHERE name = seg AND id <> self) THEN
        RETURN;
    END IF;
    SELECT u INTO used_by FROM (
        SELECT format('flag %s', to_json(f.name)) AS u FROM flags f
         WHERE seg IN (SELECT featureflags_segment_refs(f.targeting))
        UNION ALL
        SELECT format('segment %s', to_json(s.name)) FROM segments s
         WHERE s.id <> self AND seg IN (SELECT featureflags_segment_refs(s.conditions))
    ) users LIMIT 1;
    IF used_by IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'FF002', MESSAGE = seg, DETAIL = used_by, COLUMN = field;
    END IF;
END $$;

-- Raises FF003 if the segment named name, with these conditions, would
-- reach itself through the stored segments' references.
CREATE FUNCTION featureflags_refuse_cycle(seg text, conditions jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    cycle text;
BEGIN
    WITH RECURSIVE reach(name, path) AS (
        SELECT r, ARRAY[seg, r] FROM featureflags_segment_refs(conditions) r
        UNION ALL
        SELECT r, reach.path || r
          FROM reach JOIN segments s ON s.name = reach.name, featureflags_segment_refs(s.conditions) r
         WHERE reach.name <> seg AND NOT r = ANY (reach.path[2:])
    )
    SELECT array_to_string(path, ' -> ') INTO cycle FROM reach WHERE name = seg LIMIT 1;
    IF cycle IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'FF003', MESSAGE = cycle;
    END IF;
END $$;

-- Segment writes take one advisory lock, before any row lock, so that
-- each sees what every earlier segment write committed: two updates that
-- each close half of a cycle cannot both pass.
CREATE FUNCTION featureflags_lock_segments() RETURNS void
LANGUAGE sql AS $$ SELECT pg_advisory_xact_lock(7378707130299557891) $$;

CREATE FUNCTION featureflags_lock_segments_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM featureflags_lock_segments();
    RETURN NULL;
END $$;

CREATE FUNCTION featureflags_refs_deferred() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('featureflags.deferred_refs', true), '') = 'on' $$;

CREATE FUNCTION featureflags_check_flag() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT featureflags_refs_deferred() THEN
        PERFORM featureflags_require_segments(NEW.targeting, 'targeting');
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION featureflags_check_segment() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF featureflags_refs_deferred() THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM featureflags_refuse_used(OLD.name, OLD.id, '');
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.name <> NEW.name THEN
        PERFORM featureflags_refuse_used(OLD.name, OLD.id, 'name');
    END IF;
    PERFORM featureflags_require_segments(NEW.conditions, 'conditions');
    PERFORM featureflags_refuse_cycle(NEW.name, NEW.conditions);
    RETURN NEW;
END $$;

-- Checks every flag and segment: the end of an import.
CREATE FUNCTION featureflags_check_all() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s record;
BEGIN
    PERFORM featureflags_lock_segments();
    FOR s IN SELECT name, conditions FROM segments ORDER BY name LOOP
        PERFORM featureflags_require_segments(s.conditions, 'conditions');
        PERFORM featureflags_refuse_cycle(s.name, s.conditions);
    END LOOP;
    PERFORM featureflags_require_segments(targeting, 'targeting') FROM flags ORDER BY name;
END $$;

CREATE TRIGGER flags_segment_refs BEFORE INSERT OR UPDATE OF targeting ON flags
    FOR EACH ROW EXECUTE FUNCTION featureflags_check_flag();
CREATE TRIGGER segments_lock BEFORE INSERT OR UPDATE OR DELETE ON segments
    FOR EACH STATEMENT EXECUTE FUNCTION featureflags_lock_segments_trigger();
CREATE TRIGGER segments_refs BEFORE INSERT OR UPDATE OR DELETE ON segments
    FOR EACH ROW EXECUTE FUNCTION featureflags_check_segment();
