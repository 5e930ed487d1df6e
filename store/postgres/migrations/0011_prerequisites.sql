-- Flag prerequisites (targeting.<environment>.prerequisites: [{"flag", "variants"}])
-- are checked by the database inside the transaction of every write, as
-- segment references are (0004): every prerequisite names a flag that
-- exists and is not archived, no flags require each other in a cycle
-- within an environment, and a flag others require is neither deleted,
-- archived nor renamed. The checks raise FF004 a missing prerequisite
-- (message: its name, column: the field at fault), FF005 a required flag
-- (message: its name, detail: a JSON array of the flags requiring it) and
-- FF006 a cycle (message: the environment, detail: the names along it).
--
-- Writes that can change prerequisites or take a name away (inserts,
-- deletes, updates of name, targeting or lifecycle; not toggles) take the
-- reference lock of 0004 first of all, so that each sees what every earlier
-- such write committed: two updates that each close half of a cycle, or a
-- delete racing a write that requires the deleted flag, cannot both pass.

-- The prerequisites of a flag's targeting, in environment and list order.
CREATE FUNCTION featureflags_prerequisites(doc jsonb)
RETURNS TABLE (prereq_env text, prereq_pos int, prereq_flag text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT e.key, (p.ord - 1)::int, p.value ->> 'flag'
      FROM jsonb_each(CASE WHEN jsonb_typeof(doc) = 'object' THEN doc ELSE '{}' END) e,
           jsonb_array_elements(CASE WHEN jsonb_typeof(e.value -> 'prerequisites') = 'array'
                                     THEN e.value -> 'prerequisites' ELSE '[]' END) WITH ORDINALITY p (value, ord)
     ORDER BY e.key, p.ord
$$;

-- Raises FF004 unless every prerequisite of the flag self_name (with this
-- targeting) is a stored flag that is not archived, and FF006 if one leads
-- back to it in its environment.
-- JIT is off: the planner's estimates for JSON functions (100 rows each)
-- make this small query look costly enough to compile, which takes seconds.
CREATE FUNCTION featureflags_require_prerequisites(self_name text, targeting jsonb) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    p record;
    found_env text;
    cycle text;
BEGIN
    FOR p IN SELECT * FROM featureflags_prerequisites(targeting) LOOP
        IF p.prereq_flag = self_name THEN
            RAISE EXCEPTION USING ERRCODE = 'FF006', MESSAGE = p.prereq_env, DETAIL = self_name || ' -> ' || self_name;
        END IF;
        PERFORM 1 FROM flags f WHERE f.name = p.prereq_flag AND NOT f.lifecycle ? 'archivedAt';
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'FF004', MESSAGE = p.prereq_flag,
                COLUMN = format('targeting.%s.prerequisites[%s].flag', p.prereq_env, p.prereq_pos);
        END IF;
    END LOOP;
    WITH RECURSIVE reach (env, name, path) AS (
        SELECT r.prereq_env, r.prereq_flag, ARRAY[self_name, r.prereq_flag] FROM featureflags_prerequisites(targeting) r
        UNION ALL
        SELECT reach.env, r.prereq_flag, reach.path || r.prereq_flag
          FROM reach JOIN flags f ON f.name = reach.name, featureflags_prerequisites(f.targeting) r
         WHERE r.prereq_env = reach.env AND reach.name <> self_name AND NOT r.prereq_flag = ANY (reach.path[2:])
    )
    SELECT env, array_to_string(path, ' -> ') INTO found_env, cycle
      FROM reach WHERE name = self_name ORDER BY env, array_length(path, 1) LIMIT 1;
    IF cycle IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'FF006', MESSAGE = found_env, DETAIL = cycle;
    END IF;
END $$;

-- Raises FF005 if a flag other than the one with id self requires the flag
-- flag_name.
CREATE FUNCTION featureflags_refuse_required(flag_name text, self text) RETURNS void
LANGUAGE plpgsql SET jit = off AS $$
DECLARE
    users text[];
BEGIN
    SELECT array_agg(DISTINCT f.name ORDER BY f.name) INTO users FROM flags f
     WHERE f.id <> self AND flag_name IN (SELECT prereq_flag FROM featureflags_prerequisites(f.targeting));
    IF users IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'FF005', MESSAGE = flag_name, DETAIL = array_to_json(users)::text;
    END IF;
END $$;

CREATE FUNCTION featureflags_check_prerequisites() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF featureflags_refs_deferred() THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.name <> NEW.name
            OR (NEW.lifecycle ? 'archivedAt' AND NOT OLD.lifecycle ? 'archivedAt'))) THEN
        PERFORM featureflags_refuse_required(OLD.name, OLD.id);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    PERFORM featureflags_require_prerequisites(NEW.name, NEW.targeting);
    RETURN NEW;
END $$;

-- Checks every flag and segment: the end of an import (0004's, and every
-- flag's prerequisites).
CREATE OR REPLACE FUNCTION featureflags_check_all() RETURNS void
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
    PERFORM featureflags_require_prerequisites(name, targeting) FROM flags ORDER BY name;
END $$;

CREATE TRIGGER flags_lock BEFORE INSERT OR UPDATE OF name, targeting, lifecycle OR DELETE ON flags
    FOR EACH STATEMENT EXECUTE FUNCTION featureflags_lock_segments_trigger();
CREATE TRIGGER flags_prerequisites BEFORE INSERT OR UPDATE OF name, targeting, lifecycle OR DELETE ON flags
    FOR EACH ROW EXECUTE FUNCTION featureflags_check_prerequisites();
